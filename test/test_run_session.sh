#!/bin/sh
# run --session DIR: a paced run recorded as `record` records a session
# (manifest.ini, telemetry.csv, events.jsonl), so that replay and report
# read it; a directory that holds a session is refused.
. test/lib.sh
LG="$TP_BUILD/thermpace-loadgen"
ROOT="$TMPD/root"
cp -r fixtures/sysfs/jetson-nano "$ROOT"
S="$TMPD/paced"
# cooperative: 3 calls of 20 tokens at most 40 tokens/s under a fixed granted rate
expect_exit 0 "a paced run recorded" "$TP_BIN" run --config none --root "$ROOT" \
  --runtime-dir "$TMPD/rt" --interval 0.1 --fixed-rate 40 --session "$S" \
  --events "$TMPD/also.jsonl" -- "$LG" -C -q -n 20 -c 3 -d 64
check "manifest.ini: live, the board, complete" sh -c \
  "grep -q '^source = live' '$S/manifest.ini' && grep -q '^board = jetson-nano' '$S/manifest.ini' && grep -q '^state = complete' '$S/manifest.ini'"
check "manifest.ini: why it stopped and the rows" sh -c \
  "grep -q '^stop = end' '$S/manifest.ini' && grep -qE '^rows = [0-9]+' '$S/manifest.ini'"
rows=$(grep -vc '^#' "$S/telemetry.csv")
check "telemetry.csv: a header and a row a tick ($rows lines for a run of 1.5 s or more)" test "$rows" -ge 10
check "telemetry.csv: the token count and the rate are channels" sh -c \
  "grep -v '^#' '$S/telemetry.csv' | head -1 | grep -q ',tokens\.total,rate\.tokens'"
check "telemetry.csv: the temperature and the power" sh -c \
  "grep -v '^#' '$S/telemetry.csv' | head -1 | grep -q 'temp\.cpu.*power\.board'"
last=$(tail -1 "$S/telemetry.csv")
tok_col=$(grep -v '^#' "$S/telemetry.csv" | head -1 | tr ',' '\n' | grep -n '^tokens\.' | head -1 | cut -d: -f1)
check "telemetry.csv: 60 tokens counted by the end" test "$(echo "$last" | cut -d, -f"$tok_col")" = 60
check "events.jsonl: the run's events (3 calls' energy_summary)" \
  test "$(grep -c '"scope":"call"' "$S/events.jsonl")" = 3
check "events.jsonl: --events got the same stream" cmp -s "$S/events.jsonl" "$TMPD/also.jsonl"
expect_exit 0 "replay reads it" "$TP_BIN" replay "$S"
check "replay: session_start and session_stop" sh -c \
  "grep -q '\"session_start\"' '$TMPD/out' && grep -q '\"session_stop\"' '$TMPD/out'"
check "replay: the energy per token of the 60 tokens" grep -q '"tokens":60' "$TMPD/out"
expect_exit 0 "report reads it" "$TP_BIN" report "$S" -o "$TMPD/r.html"
check "report: written" test -s "$TMPD/r.html"
expect_exit 1 "a directory that holds a session is refused" "$TP_BIN" run --config none \
  --root "$ROOT" --runtime-dir "$TMPD/rt" --session "$S" -- true
check "... says so" grep -q 'already holds a session' "$TMPD/err"
check "... and left it alone" grep -q '^state = complete' "$S/manifest.ini"
expect_exit 2 "--session is for run" "$TP_BIN" attach --config none --pid 1 --session "$S"
done_testing
