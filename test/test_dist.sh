#!/bin/sh
# The service as installed: make install (PREFIX, SYSCONFDIR, DESTDIR) puts
# the unit, tmpfiles.d and the configuration in place; the unit passes
# systemd-analyze verify and scores <= 2.5 in systemd-analyze security;
# tmpfiles.d makes the runtime directory; the example configuration is good
# with every key it shows.
. test/lib.sh
mk() { env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make --no-print-directory -s "$@"; }
P="$TMPD/p"
expect_exit 0 "make install PREFIX= SYSCONFDIR=" mk install PREFIX="$P/usr" SYSCONFDIR="$P/etc"
UNIT="$P/usr/lib/systemd/system/thermpace.service"
check "the unit installed" test -s "$UNIT"
check "its ExecStart names the installed program and configuration" \
  grep -qx "ExecStart=$P/usr/bin/thermpace serve --config $P/etc/thermpace/thermpace.ini" "$UNIT"
check "tmpfiles.d installed" test -s "$P/usr/lib/tmpfiles.d/thermpace.conf"
check "the configuration installed" cmp -s dist/thermpace.ini "$P/etc/thermpace/thermpace.ini"
# the installed program finds its bundled rig from any directory
check "the bundled rigs installed" test -s "$P/usr/share/thermpace/solar/rig.ini" -a \
  -s "$P/usr/share/thermpace/solar/723170TYA.CSV" -a -s "$P/usr/share/thermpace/solar/rig-pvgis.ini"
expect_exit 0 "thermpace energy, installed, run elsewhere: the bundled rig" \
  sh -c 'cd "$1" && "$2" energy' sh "$TMPD" "$P/usr/bin/thermpace"
check "... from the installed data, a year of it" \
  grep -q "^scenario rig-greensboro: $P/usr/share/thermpace/solar/723170TYA.CSV (tmy3).*365.0 days" "$TMPD/out"
# with no rig anywhere it looks: one line, exit non-zero
mkdir -p "$TMPD/bare/bin"
cp "$P/usr/bin/thermpace" "$TMPD/bare/bin/"
if [ -e /usr/local/share/thermpace/solar/rig.ini ]; then
  skip "no bundled rig: a clear error" "/usr/local/share/thermpace holds an installed rig"
else
  expect_exit 1 "no bundled rig: exit 1" sh -c 'cd "$1" && "$2" energy' sh "$TMPD/bare" "$TMPD/bare/bin/thermpace"
  check "... saying so, and what to do" grep -q "energy: no bundled rig .*: name one with --scenario" "$TMPD/err"
fi
echo "; mine" >>"$P/etc/thermpace/thermpace.ini"
mk install PREFIX="$P/usr" SYSCONFDIR="$P/etc" >/dev/null 2>&1
check "a second install keeps the user's configuration" grep -q '^; mine$' "$P/etc/thermpace/thermpace.ini"

D="$TMPD/dest"
expect_exit 0 "make install DESTDIR= PREFIX=/usr" mk install DESTDIR="$D" PREFIX=/usr
check "DESTDIR: the unit for /usr" grep -qx 'ExecStart=/usr/bin/thermpace serve --config /etc/thermpace/thermpace.ini' \
  "$D/usr/lib/systemd/system/thermpace.service"
check "DESTDIR: the configuration in DESTDIR/etc" test -s "$D/etc/thermpace/thermpace.ini"
expect_exit 0 "make uninstall DESTDIR=" mk uninstall DESTDIR="$D" PREFIX=/usr
check "uninstall removes the unit" test ! -e "$D/usr/lib/systemd/system/thermpace.service"

if command -v systemd-analyze >/dev/null 2>&1; then
  expect_exit 0 "systemd-analyze verify" systemd-analyze verify "$UNIT"
  sed 's/^/#   /' "$TMPD/err"
  if systemd-analyze security --help 2>/dev/null | grep -q -- '--offline'; then
    systemd-analyze security --offline=yes "$UNIT" >"$TMPD/sec" 2>&1
    score=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' "$TMPD/sec")
    check "systemd-analyze security: exposure $score <= 2.5" \
      awk -v s="$score" 'BEGIN { exit !(s != "" && s + 0 <= 2.5) }'
  else
    skip "systemd-analyze security" "this systemd-analyze has no --offline (systemd < 250)"
  fi
else
  skip "systemd-analyze verify" "systemd-analyze is not installed"
  skip "systemd-analyze security" "systemd-analyze is not installed"
fi
if command -v systemd-tmpfiles >/dev/null 2>&1; then
  R="$TMPD/root"
  mkdir -p "$R/etc/tmpfiles.d"
  cp dist/thermpace.conf "$R/etc/tmpfiles.d/"
  expect_exit 0 "systemd-tmpfiles --create" systemd-tmpfiles --root="$R" --create thermpace.conf
  check "the runtime directory, 0750" test "$(stat -c %a "$R/run/thermpace")" = 750
  check "the state directory" test -d "$R/var/lib/thermpace"
else
  skip "tmpfiles.d" "systemd-tmpfiles is not installed"
fi

expect_exit 0 "the example configuration is good" "$TP_BIN" serve --config dist/thermpace.ini --check-config
check "... said" grep -q 'dist/thermpace.ini: the configuration is good' "$TMPD/out"
# every key it shows, uncommented (one target of the three)
# (the model it names made here: a saved model is a file that must exist)
printf '[model]\nr_die = 1.5\ntau_die_s = 20\n' >"$TMPD/rpi5.model.ini"
sed -e 's/^;\([a-z_]* =\)/\1/' -e '/^pid =/d' -e '/^cgroup =/d' \
  -e "s|^model = .*|model = $TMPD/rpi5.model.ini|" dist/thermpace.ini >"$TMPD/all.ini"
expect_exit 0 "every key of the example is a real key" "$TP_BIN" serve --config "$TMPD/all.ini" --check-config
check "... all 38 (every option but the tests' fixed_rate and fixed_setting, one target)" test "$(grep -c '^[a-z_]* =' "$TMPD/all.ini")" = 38
printf '[daemon]\nintervall = 1\n' >"$TMPD/bad.ini"
expect_exit 2 "a bad file: --check-config exits 2" "$TP_BIN" serve --config "$TMPD/bad.ini" --check-config
check "... with FILE:LINE: why" grep -q "bad.ini:2: unknown key 'intervall' in \[daemon\]" "$TMPD/err"
done_testing
