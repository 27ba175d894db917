#!/bin/sh
# A board's [model] priors are read in one place (tp_board_model): a prior
# that is not a number stops whatever loads the board, with an error naming
# the file and the key, where it used to become the default in silence.
. test/lib.sh
S=fixtures/sessions/sim-drift
sed 's/^idle_w = .*/idle_w = 3.8W/' boards/sim.ini >"$TMPD/bad-idle.ini"
sed 's/^r_die = .*/r_die = fast/' boards/sim.ini >"$TMPD/bad-rdie.ini"
check "the malformed boards differ from the good one" \
  sh -c "! cmp -s boards/sim.ini '$TMPD/bad-idle.ini' && ! cmp -s boards/sim.ini '$TMPD/bad-rdie.ini'"
"$TP_BIN" replay --board "$TMPD/bad-idle.ini" "$S" >"$TMPD/out" 2>"$TMPD/err"; rc=$?
check "replay: a malformed idle_w exits nonzero" test "$rc" -ne 0
check "... naming the file and the key" grep -q "$TMPD/bad-idle.ini: \[model\] idle_w: not a number" "$TMPD/err"
check "... before any event" test ! -s "$TMPD/out"
"$TP_BIN" replay --board "$TMPD/bad-rdie.ini" "$S" >"$TMPD/out" 2>"$TMPD/err"; rc=$?
check "replay: a malformed r_die exits nonzero" test "$rc" -ne 0
check "... naming the file and the key" grep -q "$TMPD/bad-rdie.ini: \[model\] r_die: not a number" "$TMPD/err"
expect_exit 0 "replay: the good board still loads" "$TP_BIN" replay --board boards/sim.ini "$S"
done_testing
