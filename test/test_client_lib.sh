#!/bin/sh
# libthermpace-client on its own: a program built from thermpace.h and
# libthermpace-client.a alone (found through the installed pkg-config file)
# paces itself through a running daemon.
. test/lib.sh
if ! command -v cc >/dev/null 2>&1 || ! command -v pkg-config >/dev/null 2>&1; then
  skip "client library" "no C compiler or pkg-config"; done_testing; exit
fi
inst="$TMPD/inst"
check "make install puts the library, header and pkg-config file" \
  sh -c "make -s install DESTDIR='$inst' PREFIX=/usr >/dev/null"
check "libthermpace-client.a installed" test -f "$inst/usr/lib/libthermpace-client.a"
check "thermpace.h installed" test -f "$inst/usr/include/thermpace.h"
pc="$inst/usr/lib/pkgconfig/thermpace.pc"
check "thermpace.pc installed" test -f "$pc"
check "no placeholder left in thermpace.pc" sh -c "! grep -q @ '$pc'"
flags=$(PKG_CONFIG_SYSROOT_DIR="$inst" PKG_CONFIG_PATH="$inst/usr/lib/pkgconfig" \
  pkg-config --cflags --libs thermpace)
check "pkg-config gives the flags ($flags)" sh -c "echo '$flags' | grep -q -- '-lthermpace-client'"
cat >"$TMPD/client.c" <<'C'
#include <stdio.h>
#include <thermpace.h>
int main(void)
{
	struct thermpace *tp;
	double g = 0, m = 0;
	int i, ret = thermpace_open(&tp, NULL, "lib-test");

	if (ret < 0) {
		printf("open %d\n", ret);
		return 1;
	}
	thermpace_call_begin(tp);
	for (i = 0; i < 12; i++)
		if (thermpace_next(tp, 1) < 0 || thermpace_tokens(tp, 1) < 0)
			return 2;
	thermpace_call_end(tp);
	if (thermpace_rate(tp, &g, &m) < 0)
		return 3;
	printf("granted %.1f\n", g);
	thermpace_close(tp);
	return 0;
}
C
# shellcheck disable=SC2086
check "a client builds against the library alone (libc only)" \
  cc -std=c99 -Wall -Werror -o "$TMPD/client" "$TMPD/client.c" $flags
cp -r fixtures/sysfs/jetson-nano "$TMPD/root"
expect_exit 0 "the client paced by thermpace run" "$TP_BIN" run --root "$TMPD/root" \
  --runtime-dir "$TMPD/rt" --fixed-rate 40 --events "$TMPD/ev.jsonl" -- "$TMPD/client"
check "it saw the granted rate" grep -q '^granted 40.0$' "$TMPD/out"
check "its 12 tokens were counted" grep -q '^thermpace: 12 tokens' "$TMPD/err"
check "its call has an energy_summary" grep -q '"scope":"call".*"tokens":12' "$TMPD/ev.jsonl"
done_testing
