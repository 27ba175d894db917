#!/bin/sh
# thermpace import sbc-bench: regenerates the checked-in sessions from the
# real logs and compares them byte for byte (after a version bump,
# regenerate them with the commands in their SOURCE files); errors.
. test/lib.sh

for pair in rpi5:1ULtUe nano:4rLX; do
  name=${pair%%:*} log=fixtures/traces/sbc-bench-${pair#*:}.txt
  ref=fixtures/sessions/sbcbench-$name
  if "$TP_BIN" import sbc-bench "$log" -o "$TMPD/$name" >"$TMPD/out" 2>"$TMPD/err"; then
    ok "import $log"
  else
    not_ok "import $log"; sed 's/^/#   /' "$TMPD/err"
  fi
  for f in manifest.ini telemetry.csv; do
    if cmp -s "$TMPD/$name/$f" "$ref/$f"; then ok "sbcbench-$name/$f byte for byte"
    else not_ok "sbcbench-$name/$f byte for byte"; diff "$ref/$f" "$TMPD/$name/$f" | head | sed 's/^/#   /'; fi
  done
done
check "the Pi 5 board is guessed" grep -q '^board = rpi5$' "$TMPD/rpi5/manifest.ini"
check "the Nano board is guessed" grep -q '^board = jetson-nano$' "$TMPD/nano/manifest.ini"
check "the Pi 5 session has PMIC watts as power.board" \
  grep -q '^t,freq.cpu,freq.cpu_cpufreq,util.cpu,temp.cpu,volt.core,power.board,volt.dc$' \
  "$TMPD/rpi5/telemetry.csv"
check "the start time comes from the log, in UTC" \
  grep -q '^start_utc = 2024-03-19T18:04:56Z$' "$TMPD/rpi5/manifest.ini"
check "the duplicated row is dropped once" grep -q '^duplicates = 1$' "$TMPD/nano/manifest.ini"
"$TP_BIN" import sbc-bench fixtures/traces/sbc-bench-4rLX.txt -o "$TMPD/over" --board my-nano >/dev/null 2>&1
check "--board overrides the guess" grep -q '^board = my-nano$' "$TMPD/over/manifest.ini"

# a log with a malformed row: skipped, counted, the rest imported
sed 's/^09:29:24: 1479MHz  1.00  25%/09:29:24: 1479MHz  1.00  2x5%/' \
  fixtures/traces/sbc-bench-4rLX.txt >"$TMPD/bad.txt"
expect_exit 0 "a malformed row does not stop the import" \
  "$TP_BIN" import sbc-bench "$TMPD/bad.txt" -o "$TMPD/bad"
check "the malformed row is counted on stderr" grep -q "skipped 1 malformed row" "$TMPD/err"
check "the malformed row is counted in the manifest" grep -q '^skipped = 1$' "$TMPD/bad/manifest.ini"
check "the other rows are kept" test "$(grep -c '^[0-9]' "$TMPD/bad/telemetry.csv")" = 52

expect_exit 1 "an unreadable file exits 1" "$TP_BIN" import sbc-bench "$TMPD/nope.txt" -o "$TMPD/x"
check "... with one line naming the file" \
  test "$(wc -l <"$TMPD/err")" = 1 -a -n "$(grep "cannot read '$TMPD/nope.txt'" "$TMPD/err")"
head -40 fixtures/traces/sbc-bench-4rLX.txt >"$TMPD/notable.txt"
expect_exit 1 "a log without a health table exits 1" \
  "$TP_BIN" import sbc-bench "$TMPD/notable.txt" -o "$TMPD/y"
check "... with one clear line" \
  test "$(wc -l <"$TMPD/err")" = 1 -a -n "$(grep 'no "System health" table' "$TMPD/err")"
check "... and writes no session" test ! -e "$TMPD/y/telemetry.csv"

expect_exit 0 "--help exits 0" "$TP_BIN" import --help
check "--help prints usage on stdout" grep -q "usage: thermpace import sbc-bench" "$TMPD/out"
expect_exit 2 "no -o exits 2" "$TP_BIN" import sbc-bench fixtures/traces/sbc-bench-4rLX.txt
expect_exit 2 "unknown format exits 2" "$TP_BIN" import csv x -o "$TMPD/z"
expect_exit 2 "missing file argument exits 2" "$TP_BIN" import sbc-bench -o "$TMPD/z"
expect_exit 2 "bad --board exits 2" "$TP_BIN" import sbc-bench x -o "$TMPD/z" --board ../x
done_testing
