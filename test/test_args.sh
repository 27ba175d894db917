#!/bin/sh
# Command-line edges: sim -o refuses a directory that holds a session unless
# --force (which replaces it whole: no stale events.jsonl read with the new
# telemetry), and bad values of the daemon's options exit 2 before anything
# runs (--metrics among them, which used to fail at run time with 1).
. test/lib.sh
S="$TMPD/s"
expect_exit 0 "sim -o into a new directory" "$TP_BIN" sim --duration 60 --no-audio -o "$S"
echo '{"t":1,"event":"stale"}' >"$S/events.jsonl"
cp "$S/telemetry.csv" "$TMPD/first.csv"
expect_exit 1 "sim -o into a session is refused" "$TP_BIN" sim --duration 30 --no-audio -o "$S"
check "... saying so in one line" sh -c "[ \$(wc -l <'$TMPD/err') = 1 ] && grep -q \"already holds a session (manifest.ini): choose another -o, or --force\" '$TMPD/err'"
check "... leaving it as it was" cmp -s "$TMPD/first.csv" "$S/telemetry.csv"
expect_exit 0 "sim --force replaces it" "$TP_BIN" sim --duration 30 --no-audio -o "$S" --force
check "... its old events.jsonl gone" test ! -e "$S/events.jsonl"
check "... a new telemetry.csv" sh -c "! cmp -s '$TMPD/first.csv' '$S/telemetry.csv'"
expect_exit 0 "... and it replays" "$TP_BIN" replay "$S"
mkdir -p "$TMPD/empty"
expect_exit 0 "sim -o into an empty directory" "$TP_BIN" sim --duration 10 --no-audio -o "$TMPD/empty"

for m in foo :99999 1.2.3.4: ::1:80 ''; do
  expect_exit 2 "run --metrics '$m' exits 2" "$TP_BIN" run --config none --metrics "$m" -- true
  check "... with one line" sh -c "[ \$(wc -l <'$TMPD/err') = 1 ]"
done
expect_exit 2 "serve --metrics in a file: exit 2 with its line" sh -c \
  "printf '[daemon]\nmetrics = 9101\n' >'$TMPD/m.ini'; '$TP_BIN' serve --config '$TMPD/m.ini' --check-config"
check "... FILE:LINE" grep -q "m.ini:2: metrics wants HOST:PORT" "$TMPD/err"
expect_exit 2 "run --llama-server that is no URL" "$TP_BIN" run --config none --llama-server foo -- true
check "... says what it wants" grep -q "llama-server wants an http:// or https:// URL, not 'foo'" "$TMPD/err"
expect_exit 2 "run --board that does not exist" "$TP_BIN" run --config none --board no-such-board -- true
check "... says so" grep -q "run: unknown board 'no-such-board'" "$TMPD/err"
sed 's/^ceiling_c/ceilng_c/' boards/rpi5.ini >"$TMPD/typo.ini"
expect_exit 2 "attach --board with a misspelled key" "$TP_BIN" attach --config none --pid 2 --board "$TMPD/typo.ini"
check "... FILE:LINE of the profile" grep -q "typo.ini:[0-9]*: unknown key 'ceilng_c' in \[ceiling\]" "$TMPD/err"
expect_exit 2 "run --model that is no file" "$TP_BIN" run --config none --model "$TMPD" -- true
printf '[daemon]\nboard = no-such-board\n' >"$TMPD/b.ini"
expect_exit 2 "a configuration naming a board that does not exist" "$TP_BIN" serve --config "$TMPD/b.ini" --check-config
done_testing
