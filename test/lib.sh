# Shell test helpers: TAP output. Source from test/test_*.sh, run from the
# source tree root; $TP_BIN is the thermpace binary of the variant under test.
: "${TP_BIN:=build/rel/thermpace}"
: "${TP_BUILD:=build/rel}"
tap_n=0
tap_failed=0
TMPD=$(mktemp -d)
trap 'rm -rf "$TMPD"' EXIT INT TERM
ok() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $*"; }
not_ok() { tap_n=$((tap_n + 1)); tap_failed=$((tap_failed + 1)); echo "not ok $tap_n - $*"; }
skip() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $1 # SKIP $2"; }
# check NAME COMMAND...: ok when the command succeeds
check() { name=$1; shift; if "$@"; then ok "$name"; else not_ok "$name"; fi; }
# expect_exit CODE NAME COMMAND...: ok when the command exits CODE
expect_exit() {
  code=$1 name=$2; shift 2
  "$@" >"$TMPD/out" 2>"$TMPD/err"; rc=$?
  if [ "$rc" = "$code" ]; then ok "$name"; else not_ok "$name (exit $rc, wanted $code)"; sed 's/^/#   /' "$TMPD/err"; fi
}
done_testing() { echo "1..$tap_n"; [ "$tap_failed" = 0 ]; }
# wait_for SECONDS COMMAND...: polls every 50 ms until the command succeeds
wait_for() {
  n=$(($1 * 20)); shift
  while [ "$n" -gt 0 ]; do "$@" && return 0; sleep 0.05; n=$((n - 1)); done
  return 1
}
# lifepo4_pack ROOT: a 20 Ah LiFePO4 battery at 62 % (13.2 V, 0.4 A) in
# ROOT's power_supply class, beside a mains supply that is offline; sets PS
# (the class) and B (the battery's directory)
lifepo4_pack() {
  PS="$1/sys/class/power_supply"
  B="$PS/lifepo4"
  mkdir -p "$B" "$PS/AC"
  echo Battery >"$B/type"
  echo Discharging >"$B/status"
  echo 62 >"$B/capacity"
  echo 13200000 >"$B/voltage_now"
  echo 400000 >"$B/current_now"
  echo 20000000 >"$B/charge_full"
  echo Mains >"$PS/AC/type"
  echo 0 >"$PS/AC/online"
}
# alsa_fixture RAW: an ALSA PCM named "fixture" whose capture reads the raw
# S32_LE stream RAW (alsa-lib's file plugin), for --device fixture
alsa_fixture() {
  cat >"$TMPD/alsa.conf" <<CONF
pcm.fixture { type file slave.pcm "null" file "/dev/null" infile "$1" format "raw" }
CONF
  export ALSA_CONFIG_PATH="/usr/share/alsa/alsa.conf:$TMPD/alsa.conf"
}
# alsa_fixture_wav WAV: the same, capturing the left channel of a 16-bit
# stereo WAV (written to $TMPD/fan.raw as raw S32_LE mono: the capture's
# first choice)
alsa_fixture_wav() {
  python3 - "$1" "$TMPD/fan.raw" <<'PY'
import struct, sys, wave
w = wave.open(sys.argv[1], 'rb')
n = w.getnframes()
s = struct.unpack('<%dh' % (2 * n), w.readframes(n))
open(sys.argv[2], 'wb').write(struct.pack('<%di' % n, *[v << 16 for v in s[0::2]]))
PY
  alsa_fixture "$TMPD/fan.raw"
}
