#!/bin/sh
# Bad input for every command that reads files or writes outputs: missing
# files, directories instead of files, empty files, binary garbage, huge
# lines, unwritable outputs, a full standard output (/dev/full). Each must
# exit non-zero (2 for usage, 1 at run time) with one clear line on stderr,
# and never crash or lose data.
. test/lib.sh

# one_line NAME PATTERN: stderr of the last expect_exit is one line matching PATTERN
one_line() {
  if [ "$(wc -l <"$TMPD/err")" = 1 ] && grep -q -- "$2" "$TMPD/err"; then ok "$1"
  else not_ok "$1"; sed 's/^/#   /' "$TMPD/err"; fi
}

head -c 4096 /dev/urandom >"$TMPD/garbage"
: >"$TMPD/empty"
mkdir "$TMPD/adir"
awk 'BEGIN { for (i = 0; i < 20000; i++) printf "abcdefghij"; print "" }' >"$TMPD/hugeline"
LOG=fixtures/traces/sbc-bench-4rLX.txt

# ---- import ----
expect_exit 1 "import: a directory as input exits 1" \
  "$TP_BIN" import sbc-bench "$TMPD/adir" -o "$TMPD/imp1"
one_line "... and says it is a directory" "cannot read '$TMPD/adir': Is a directory"

nl='
'
expect_exit 2 "import: a --board with a newline exits 2" \
  "$TP_BIN" import sbc-bench "$LOG" -o "$TMPD/imp2" --board "nano${nl}[evil]"
one_line "... with one line" "import: --board wants a profile name"
check "... and writes no session" test ! -e "$TMPD/imp2"

"$TP_BIN" import sbc-bench "$LOG" -o "$TMPD/imp3" >/dev/null 2>&1
echo "# kept" >>"$TMPD/imp3/telemetry.csv"
cp "$TMPD/imp3/telemetry.csv" "$TMPD/imp3.keep"
expect_exit 1 "import: a directory holding a session is refused" \
  "$TP_BIN" import sbc-bench fixtures/traces/sbc-bench-1ULtUe.txt -o "$TMPD/imp3"
one_line "... with one line" "already holds a session (telemetry.csv)"
check "... and its telemetry is kept" cmp -s "$TMPD/imp3/telemetry.csv" "$TMPD/imp3.keep"
expect_exit 0 "import: --force replaces it" \
  "$TP_BIN" import sbc-bench fixtures/traces/sbc-bench-1ULtUe.txt -o "$TMPD/imp3" --force
check "... with the new log's rows" grep -q '^# board: rpi5$' "$TMPD/imp3/telemetry.csv"

expect_exit 1 "import: a full standard output exits 1" \
  sh -c '"$1" import sbc-bench "$2" -o "$3" >/dev/full' sh "$TP_BIN" "$LOG" "$TMPD/imp4"
one_line "... with one line" "cannot write to standard output: No space left on device"

# ---- report ----
S=fixtures/sessions/sim-drift
mkdir "$TMPD/rep1"
cp "$S/telemetry.csv" "$S/manifest.ini" "$TMPD/rep1/"
mkdir "$TMPD/rep1/events.jsonl"
expect_exit 1 "report: events.jsonl that is a directory exits 1" \
  "$TP_BIN" report "$TMPD/rep1" -o "$TMPD/rep1.html"
one_line "... with one line saying so" "events.jsonl': Is a directory"

echo OLD >"$TMPD/rep2.html"
expect_exit 1 "report: an output that cannot be written whole exits 1" \
  sh -c 'trap "" XFSZ; ulimit -f 4 && exec "$1" report "$2" -o "$3"' sh "$TP_BIN" "$S" "$TMPD/rep2.html"
one_line "... with one line" "cannot write '$TMPD/rep2.html'"
check "... and the previous page is kept" test "$(cat "$TMPD/rep2.html")" = OLD
check "... with no partial file left beside it" test -z "$(ls "$TMPD" | grep 'rep2.html.')"
expect_exit 1 "report: -o /dev/full exits 1" "$TP_BIN" report "$S" -o /dev/full
one_line "... with one line" "cannot write '/dev/full': No space left on device"
expect_exit 1 "report: a full standard output exits 1" \
  sh -c '"$1" report "$2" -o - >/dev/full' sh "$TP_BIN" "$S"
one_line "... with one line" "cannot write '-'"
expect_exit 1 "report: -o in a missing directory exits 1" \
  "$TP_BIN" report "$S" -o "$TMPD/nodir/r.html"
one_line "... with one line" "cannot write '$TMPD/nodir/r.html': No such file or directory"
expect_exit 1 "report: -o naming a directory exits 1" "$TP_BIN" report "$S" -o "$TMPD/adir"
one_line "... with one line" "cannot write '$TMPD/adir': Is a directory"
expect_exit 0 "report: a new page is written" sh -c 'umask 022; exec "$1" report "$2" -o "$3"' \
  sh "$TP_BIN" "$S" "$TMPD/rep3.html"
check "... readable by all, as umask 022 asks" test "$(stat -c %a "$TMPD/rep3.html")" = 644
check "... and complete" grep -q '</html>' "$TMPD/rep3.html"

# ---- options: one line naming the option as typed, exit 2 ----
for cmd in probe tegrastats import report; do
  expect_exit 2 "$cmd: an unknown long option exits 2" "$TP_BIN" $cmd --bogus=1
  one_line "... with one line naming it" "$cmd: unknown option '--bogus'"
  expect_exit 2 "$cmd: an unknown short option in a cluster exits 2" "$TP_BIN" $cmd -Zh
  one_line "... with one line naming it" "$cmd: unknown option '-Z'"
done
expect_exit 2 "tegrastats: --interval without a value exits 2" "$TP_BIN" tegrastats --interval
one_line "... with one line saying it needs a value" "option '--interval' needs a value"
expect_exit 2 "import: -o without a value exits 2" "$TP_BIN" import sbc-bench "$LOG" -o
one_line "... with one line saying it needs a value" "option '-o' needs a value"
expect_exit 2 "report: -o without a value exits 2" "$TP_BIN" report fixtures/sessions/sim-drift -o
one_line "... with one line saying it needs a value" "option '-o' needs a value"
expect_exit 2 "probe: --root without a value exits 2" "$TP_BIN" probe --root
one_line "... with one line saying it needs a value" "option '--root' needs a value"

done_testing
