#!/bin/sh
# A stopped inference process outlives the daemon and its guardian killed
# together: its process group, stopped and orphaned, would get SIGHUP and
# SIGCONT from the kernel (and die of the hangup) but for the anchor, whose
# parent (the keeper) outlives the guardian. `thermpace restore` continues
# it and it finishes. Real processes and signals on a copy of the Jetson
# Nano fixture tree.
. test/lib.sh
LG="$TP_BUILD/thermpace-loadgen"
ROOT="$TMPD/root"
RT="$TMPD/rt"
cp -r fixtures/sysfs/jetson-nano "$ROOT"
RUN="$TP_BIN run --root $ROOT --runtime-dir $RT --interval 0.2"
ROUNDS=${ROUNDS:-4}

children() { cat "/proc/$1/task/$1/children" 2>/dev/null; }
child_named() { # PID NAME: the child of PID with that comm (NAME "": any other)
  for c in $(children "$1"); do
    k=$(cat /proc/$c/comm 2>/dev/null)
    if [ -n "$2" ]; then [ "$k" = "$2" ] && { echo "$c"; return 0; }
    else [ "$k" = thermpace-guard ] || { echo "$c"; return 0; }; fi
  done
  return 1
}
proc_state() { sed 's/.*) \(.\).*/\1/' "/proc/$1/stat" 2>/dev/null; }
is_stopped() { [ "$(proc_state "$1")" = T ]; }
gone() { [ -z "$(proc_state "$1")" ] || [ "$(proc_state "$1")" = Z ]; }
# members of process group $1 still there (anchor included)
group_left() { for s in /proc/[0-9]*/stat; do sed 's/.*) . [0-9-]* \([0-9-]*\) .*/\1/' "$s" 2>/dev/null; done | grep -cx "$1"; }
group_empty() { [ "$(group_left "$1")" = 0 ]; }

r=1
while [ "$r" -le "$ROUNDS" ]; do
  rm -f "$TMPD/done"
  $RUN --actuator signal --fixed-setting 0.05 --duty-period 4 -- \
    sh -c "'$LG' -n 30 -r 30 -d 64 -q && echo finished >'$TMPD/done'" >/dev/null 2>&1 &
  d=$!
  child="" g=""
  for i in $(seq 50); do child=$(child_named $d "") && g=$(child_named $d thermpace-guard) && break; sleep 0.1; done
  if [ -z "$child" ] || [ -z "$g" ] || ! wait_for 10 is_stopped "$child"; then
    not_ok "round $r: the signal actuator never stopped the child"
    kill -9 $d "$g" "$child" 2>/dev/null; r=$((r + 1)); continue
  fi
  kill -9 "$g" $d; wait $d 2>/dev/null
  sleep 0.5
  check "round $r: the stopped child survives the daemon and guardian killed together" is_stopped "$child"
  expect_exit 0 "round $r: thermpace restore" "$TP_BIN" restore --runtime-dir "$RT"
  check "round $r: restore continued it and it finished" wait_for 15 test -f "$TMPD/done"
  check "round $r: the child is gone" wait_for 5 gone "$child"
  check "round $r: the anchor leaves the group once it is done" wait_for 5 group_empty "$child"
  kill -9 "$child" 2>/dev/null
  r=$((r + 1))
done
done_testing
