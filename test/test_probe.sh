#!/bin/sh
# thermpace probe: golden output for every bundled board fixture
# (fixtures/sysfs/BOARD.probe.stdout beside fixtures/sysfs/BOARD/), its errors,
# and the privilege report of an ordinary user.
# A fixture with hwmon is probed in a private mount namespace with its
# sys/class bound over /sys/class, so that libsensors reads it.
# THERMPACE_UPDATE_GOLDEN=1 rewrites the golden files instead of comparing.
. test/lib.sh
# the socket actuator names the runtime directory: keep it the default
unset XDG_RUNTIME_DIR THERMPACE_RUNTIME_DIR

ns_ok=0
if unshare -m sh -c 'mount --bind /tmp /mnt 2>/dev/null || mount --bind /tmp /media' 2>/dev/null; then
  ns_ok=1
fi

probe_fixture() { # DIR: probe output on stdout, namespace when the tree has hwmon
  if [ -d "$1/sys/class/hwmon" ]; then
    unshare -m sh -c 'mount --bind "$1/sys/class" /sys/class && exec "$2" probe --root "$1"' sh "$1" "$TP_BIN"
  else
    "$TP_BIN" probe --root "$1"
  fi
}

for dir in fixtures/sysfs/*/; do
  dir=${dir%/}
  b=${dir##*/}
  golden="$dir.probe.stdout"
  if [ "$(id -u)" != 0 ]; then
    skip "probe golden $b" "golden files record a run as root (actuator privileges differ)"
    continue
  fi
  if [ -d "$dir/sys/class/hwmon" ] && [ "$ns_ok" = 0 ]; then
    skip "probe golden $b" "unshare -m with a bind mount is refused here (libsensors needs it)"
    continue
  fi
  if ! probe_fixture "$dir" >"$TMPD/$b.out" 2>"$TMPD/$b.err"; then
    not_ok "probe golden $b (exit status)"; sed 's/^/#   /' "$TMPD/$b.err"; continue
  fi
  if [ "${THERMPACE_UPDATE_GOLDEN:-0}" = 1 ]; then
    cp "$TMPD/$b.out" "$golden"; ok "probe golden $b (rewritten)"; continue
  fi
  if [ ! -f "$golden" ]; then
    not_ok "probe golden $b (no $golden)"; continue
  fi
  if diff -u "$golden" "$TMPD/$b.out" >"$TMPD/$b.diff"; then
    ok "probe golden $b"
  else
    not_ok "probe golden $b"; sed 's/^/#   /' "$TMPD/$b.diff"
  fi
done

# every fixture tree has a SOURCE saying where its values come from
for dir in fixtures/sysfs/*/; do
  check "fixture ${dir%/} has a SOURCE" test -s "${dir}SOURCE"
done

expect_exit 0 "probe --help" "$TP_BIN" probe --help
check "probe --help prints the usage on stdout" grep -q '^usage: thermpace probe' "$TMPD/out"
expect_exit 2 "probe with an unknown option" "$TP_BIN" probe --bogus
check "one clear line for it" test "$(wc -l <"$TMPD/err")" = 1
expect_exit 2 "probe with an extra argument" "$TP_BIN" probe extra
expect_exit 2 "probe with an unknown board" "$TP_BIN" probe --board no-such-board --root fixtures/sysfs/rpi4
check "names the board" grep -q "unknown board 'no-such-board'" "$TMPD/err"
expect_exit 1 "probe with a missing root" "$TP_BIN" probe --root "$TMPD/none"
check "says the root cannot be opened" grep -q "cannot open root" "$TMPD/err"
expect_exit 0 "probe --board overrides detection" "$TP_BIN" probe --root fixtures/sysfs/rpi4 --board rk3588
check "board chosen with --board" grep -q '^  why: chosen with --board' "$TMPD/out"

# outside a mount namespace, a fixture's hwmon is skipped with a note, not read from the live /sys
expect_exit 0 "probe x86 fixture without the namespace" "$TP_BIN" probe --root fixtures/sysfs/x86-generic
check "hwmon skipped with a note" grep -q 'libsensors reads /sys/class/hwmon only' "$TMPD/out"

# an empty root: no board, no channels, still a report
mkdir -p "$TMPD/empty"
expect_exit 0 "probe an empty root" "$TP_BIN" probe --root "$TMPD/empty"
check "no board detected" grep -q '^board: none' "$TMPD/out"
check "no channels" grep -q '^channels (0):' "$TMPD/out"

# an ordinary user lacks the privilege to cap clocks: probe says which
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1 &&
   setpriv --reuid=65534 --regid=65534 --clear-groups "$TP_BIN" --version >/dev/null 2>&1 &&
   setpriv --reuid=65534 --regid=65534 --clear-groups test -r fixtures/sysfs/jetson-nano/SOURCE; then
  setpriv --reuid=65534 --regid=65534 --clear-groups "$TP_BIN" probe --root fixtures/sysfs/jetson-nano >"$TMPD/nobody" 2>&1
  check "cpufreq cap needs root as uid 65534" grep -q '^  cpufreq  not usable .*scaling_max_freq: lacks write access to .*(root)$' "$TMPD/nobody"
  check "devfreq cap needs root as uid 65534" grep -q '^  devfreq  not usable .*max_freq: lacks write access to .*(root)$' "$TMPD/nobody"
  check "cgroup needs root as uid 65534" grep -q '^  cgroup   not usable .*lacks write access .*(root, or a delegated cgroup)$' "$TMPD/nobody"
  check "signals still usable for uid 65534" grep -q '^  signal   usable' "$TMPD/nobody"
else
  skip "privileges of an ordinary user" "needs root and setpriv, and a tree uid 65534 can read"
fi
# --json: the same facts as one JSON object
"$TP_BIN" probe --root fixtures/sysfs/jetson-nano >"$TMPD/txt" 2>&1
if "$TP_BIN" probe --root fixtures/sysfs/jetson-nano --json >"$TMPD/json" 2>"$TMPD/err"; then
  ok "probe --json exits 0"
else
  not_ok "probe --json exits 0"
fi
want=$(sed -n 's/^channels (\([0-9]*\)):$/\1/p; s/^invalid channels (\([0-9]*\)):$/\1/p' "$TMPD/txt" | awk '{ s += $1 } END { print s }')
check "probe --json: board, every channel ($want), actuators" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["board"]["name"] == "jetson-nano" and d["board"]["ceiling_c"] == 80, d["board"]
assert len(d["channels"]) == int(sys.argv[2]), len(d["channels"])
cpu = [c for c in d["channels"] if c["name"] == "temp.cpu"][0]
assert cpu["value"] == 31.5 and cpu["unit"] == "C" and cpu["status"] == "ok", cpu
assert {a["kind"] for a in d["actuators"]} >= {"socket", "cgroup", "signal"}
' "$TMPD/json" "$want"
mkdir -p "$TMPD/empty"
"$TP_BIN" probe --root "$TMPD/empty" --json >"$TMPD/json" 2>/dev/null
check "probe --json with no board: board.name null, no channels" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["board"]["name"] is None and d["channels"] == [], d
' "$TMPD/json"
expect_exit 1 "probe --json to a full disk fails" sh -c "'$TP_BIN' probe --root fixtures/sysfs/jetson-nano --json >/dev/full"
done_testing
