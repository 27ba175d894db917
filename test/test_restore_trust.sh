#!/bin/sh
# thermpace restore trusts only what the daemon wrote: a runtime directory
# or state file another user can write or owns is refused, a state file is
# never read through a link, and only the paths a daemon writes (cpufreq
# and devfreq caps, a cgroup's cpu files) are written back.
. test/lib.sh
victim="$TMPD/victim"
entry() { printf '{"version":1,"pid":999999,"start_ticks":1,"entries":[{"kind":"file","path":"%s","value":"%s"}]}\n' "$1" "$2"; }
intact() { test "$(cat "$victim")" = original; }

# a planted file in a world-writable directory (the reproducer)
echo original >"$victim"
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1; then
  chmod 0711 "$TMPD"
  mkdir -m 1777 "$TMPD/open"
  entry "$victim" pwned | setpriv --reuid 65534 --regid 65534 --clear-groups \
    sh -c "cat > '$TMPD/open/state-999999.json'"
  check "another user planted a state file" test -s "$TMPD/open/state-999999.json"
  expect_exit 1 "restore refuses a runtime directory others can write" \
    "$TP_BIN" restore --runtime-dir "$TMPD/open"
  check "the victim is untouched" intact
  check "says why" grep -q "can be written by another user" "$TMPD/err"
  # a trusted directory, a file another user owns
  mkdir -m 0755 "$TMPD/rt1"
  entry "$victim" pwned >"$TMPD/rt1/state-999999.json"
  chown 65534:65534 "$TMPD/rt1/state-999999.json"
  expect_exit 1 "restore refuses a state file another user owns" \
    "$TP_BIN" restore --runtime-dir "$TMPD/rt1"
  check "the victim is untouched (owner)" intact
else
  skip "another user planted a state file" "needs root and setpriv to act as another user"
  skip "restore refuses a runtime directory others can write" "needs root"
  skip "the victim is untouched" "needs root"
  skip "says why" "needs root"
  skip "restore refuses a state file another user owns" "needs root"
  skip "the victim is untouched (owner)" "needs root"
fi

# our own directory and file, group-writable: refused
mkdir -m 0750 "$TMPD/rt2"
entry "$victim" pwned >"$TMPD/rt2/state-999999.json"
chmod 0664 "$TMPD/rt2/state-999999.json"
expect_exit 1 "restore refuses a group-writable state file" "$TP_BIN" restore --runtime-dir "$TMPD/rt2"
check "the victim is untouched (mode)" intact

# a link in place of a state file is not followed
mkdir -m 0750 "$TMPD/rt3"
entry "$victim" pwned >"$TMPD/elsewhere.json"
ln -s "$TMPD/elsewhere.json" "$TMPD/rt3/state-999999.json"
expect_exit 1 "restore does not follow a linked state file" "$TP_BIN" restore --runtime-dir "$TMPD/rt3"
check "the victim is untouched (link)" intact

# a trusted file naming a path the daemon never writes
mkdir -m 0750 "$TMPD/rt4"
entry "$victim" pwned >"$TMPD/rt4/state-999999.json"
chmod 0644 "$TMPD/rt4/state-999999.json"
expect_exit 1 "restore refuses a path that is no cap or cgroup file" "$TP_BIN" restore --runtime-dir "$TMPD/rt4"
check "the victim is untouched (kind)" intact
mkdir -p "$TMPD/root/sys/devices/system/cpu/cpufreq/policy0/../x"
entry "$TMPD/root/sys/devices/system/cpu/cpufreq/policy0/../../../../../../victim" 1 >"$TMPD/rt4/state-999998.json"
sed -i 's/999999/999998/' "$TMPD/rt4/state-999998.json"
chmod 0644 "$TMPD/rt4/state-999998.json"
expect_exit 1 "restore refuses a cap path that climbs out with .." "$TP_BIN" restore --runtime-dir "$TMPD/rt4"

# and what the daemon does write is still put back
mkdir -p "$TMPD/root/sys/devices/system/cpu/cpufreq/policy0" && mkdir -m 0750 "$TMPD/rt5"
cap="$TMPD/root/sys/devices/system/cpu/cpufreq/policy0/scaling_max_freq"
echo 102000 >"$cap"
entry "$cap" 1479000 >"$TMPD/rt5/state-999999.json"
chmod 0644 "$TMPD/rt5/state-999999.json"
expect_exit 0 "restore puts a cpufreq cap back" "$TP_BIN" restore --runtime-dir "$TMPD/rt5"
check "the cap is back" test "$(cat "$cap")" = 1479000
check "the state file is gone" test ! -e "$TMPD/rt5/state-999999.json"
done_testing
