#!/bin/sh
# The processes `thermpace run` leaves to live on their own (the restore
# guardian, its keeper and the anchor in the inference process group) keep
# none of the daemon's descriptors but those they use: one the daemon had
# open would outlive it in them (a socket still bound, a file still open).
# Here the daemon inherits a descriptor numbered past 1024 from the shell.
# Real processes on a copy of the Jetson Nano fixture tree.
. test/lib.sh
ROOT="$TMPD/root"
RT="$TMPD/rt"
HELD="$TMPD/held"
cp -r fixtures/sysfs/jetson-nano "$ROOT"

# the process named $1 among the descendants of $2
named() {
  for c in $(cat "/proc/$2/task/$2/children" 2>/dev/null); do
    [ "$(cat "/proc/$c/comm" 2>/dev/null)" = "$1" ] && { echo "$c"; return 0; }
    named "$1" "$c" && return 0
  done
  return 1
}
holds() { # PID: holds a descriptor on $HELD
  for f in /proc/"$1"/fd/*; do
    [ "$(readlink "$f" 2>/dev/null)" = "$HELD" ] && return 0
  done
  return 1
}
anyone_holds() { for p in /proc/[0-9]*; do holds "${p#/proc/}" && return 0; done; return 1; }
all_there() { g=$(named thermpace-guard $d) && k=$(named thermpace-keep $d) && a=$(named thermpace-ancho $d); } # comm: 15 characters

if ! command -v bash >/dev/null 2>&1; then
  skip "descriptors past 1024" "bash not installed (the test opens descriptor 1500 with it)"
  done_testing
  exit
fi
if ! bash -c 'ulimit -n 2048' 2>/dev/null; then
  skip "descriptors past 1024" "the descriptor limit cannot be raised to 2048 here"
  done_testing
  exit
fi
bash -c 'ulimit -n 2048; exec 1500>"$1"; shift; exec "$@"' _ "$HELD" \
  "$TP_BIN" run --root "$ROOT" --runtime-dir "$RT" --interval 0.2 -- sleep 30 >/dev/null 2>&1 &
d=$!
if wait_for 10 all_there; then
  check "the daemon itself holds descriptor 1500 (so the checks below can fail)" holds "$d"
  check "the guardian does not hold it" eval '! holds "$g"'
  check "the keeper does not hold it" eval '! holds "$k"'
  check "the anchor does not hold it" eval '! holds "$a"'
  check "the anchor holds no descriptor at all" test -z "$(ls "/proc/$a/fd" 2>/dev/null)"
else
  not_ok "the guardian, the keeper and the anchor never all appeared"
fi
kill -TERM "$d" 2>/dev/null
wait "$d" 2>/dev/null
check "nothing of the run is left holding the file" wait_for 5 eval '! anyone_holds'
done_testing
