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

# 4 KiB of binary garbage, NUL bytes included, the same on every run
LC_ALL=C awk 'BEGIN { srand(7); for (i = 0; i < 4096; i++) printf "%c", int(rand() * 256) }' \
  >"$TMPD/garbage"
: >"$TMPD/empty"
mkdir "$TMPD/adir"
awk 'BEGIN { for (i = 0; i < 20000; i++) printf "abcdefghij"; print "" }' >"$TMPD/hugeline"
LOG=fixtures/traces/sbc-bench-4rLX.txt

# ---- tegrastats ----
TG=fixtures/tegrastats/jp4-nano.txt
expect_exit 1 "tegrastats: a missing file exits 1" "$TP_BIN" tegrastats "$TMPD/nope"
one_line "... with one line" "cannot read '$TMPD/nope': No such file or directory"
expect_exit 1 "tegrastats: a directory exits 1" "$TP_BIN" tegrastats "$TMPD/adir"
one_line "... with one line" "cannot read '$TMPD/adir': Is a directory"
for f in empty garbage hugeline; do
  expect_exit 1 "tegrastats: $f input exits 1" "$TP_BIN" tegrastats "$TMPD/$f"
  one_line "... with one line" "no tegrastats line in '$TMPD/$f'"
done
expect_exit 1 "tegrastats: garbage on standard input exits 1" \
  sh -c '"$1" tegrastats - <"$2"' sh "$TP_BIN" "$TMPD/garbage"
one_line "... with one line" "no tegrastats line in '<stdin>'"
expect_exit 1 "tegrastats: a full standard output exits 1" \
  sh -c '"$1" tegrastats "$2" >/dev/full' sh "$TP_BIN" "$TG"
one_line "... with one line" "cannot write to standard output: No space left on device"
expect_exit 1 "tegrastats: a closed standard output exits 1" \
  sh -c '"$1" tegrastats "$2" >&-' sh "$TP_BIN" "$TG"
expect_exit 2 "tegrastats: two inputs exit 2" "$TP_BIN" tegrastats "$TG" "$TG"
expect_exit 2 "tegrastats: --interval nan exits 2" "$TP_BIN" tegrastats --interval nan "$TG"
{ cat "$TMPD/garbage"; echo; cat "$TG" "$TMPD/hugeline" "$TG"; } >"$TMPD/mixed.txt"
expect_exit 0 "tegrastats: good lines among garbage are converted" "$TP_BIN" tegrastats "$TMPD/mixed.txt"
check "... every good line is a row" test "$(grep -c '^[0-9]' "$TMPD/out")" = 2

# a NUL in the middle of a good line: the line is skipped and said, not cut short in silence
{ cat "$TG"; sed 's/POM_5V_IN/\x00POM_5V_IN/' "$TG"; } >"$TMPD/nul.txt"
expect_exit 0 "tegrastats: a line with a NUL byte does not stop the others" \
  "$TP_BIN" tegrastats "$TMPD/nul.txt"
check "... it is skipped: one row" test "$(grep -c '^[0-9]' "$TMPD/out")" = 1
check "... and said on stderr" grep -q "nul.txt:2: skipped: NUL byte" "$TMPD/err"

# ---- probe ----
expect_exit 1 "probe: a missing root exits 1" "$TP_BIN" probe --root "$TMPD/nope"
one_line "... with one line" "cannot open root '$TMPD/nope': No such file or directory"
expect_exit 1 "probe: a file as root exits 1" "$TP_BIN" probe --root "$TMPD/empty"
one_line "... with one line" "Not a directory"
expect_exit 0 "probe: an empty directory as root is probed" "$TP_BIN" probe --root "$TMPD/adir"
for f in garbage hugeline adir; do
  expect_exit 1 "probe: --board $f exits 1" \
    "$TP_BIN" probe --root fixtures/sysfs/rpi5 --board "$TMPD/$f"
  one_line "... with one line" "probe: $TMPD/$f"
done
expect_exit 2 "probe: an unknown board name exits 2" "$TP_BIN" probe --board no-such-board
one_line "... with one line" "unknown board 'no-such-board'"
expect_exit 1 "probe: a full standard output exits 1" \
  sh -c '"$1" probe --root fixtures/sysfs/rpi5 >/dev/full' sh "$TP_BIN"
one_line "... with one line" "cannot write the output: No space left on device"

# ---- import ----
for f in empty garbage hugeline; do
  expect_exit 1 "import: $f input exits 1" "$TP_BIN" import sbc-bench "$TMPD/$f" -o "$TMPD/imp0"
  one_line "... with one line" "no \"System health\" table"
done
check "... and no session is written" test ! -e "$TMPD/imp0/telemetry.csv"
expect_exit 1 "import: -o under a file exits 1" \
  "$TP_BIN" import sbc-bench "$LOG" -o "$TMPD/empty/x"
one_line "... with one line" "cannot create '$TMPD/empty/x': Not a directory"
expect_exit 1 "import: -o naming a file exits 1" "$TP_BIN" import sbc-bench "$LOG" -o "$TMPD/empty"
one_line "... with one line" "cannot create '$TMPD/empty': Not a directory"
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

mkdir -p "$TMPD/imp5/telemetry.csv.tmp"
expect_exit 1 "import: a telemetry.csv that cannot be written exits 1" \
  "$TP_BIN" import sbc-bench "$LOG" -o "$TMPD/imp5"
one_line "... with one line" "cannot write '$TMPD/imp5/telemetry.csv'"
check "... and leaves no manifest claiming a session" test ! -e "$TMPD/imp5/manifest.ini"

# ---- report ----
S=fixtures/sessions/sim-drift
expect_exit 1 "report: a missing session exits 1" "$TP_BIN" report "$TMPD/nope" -o "$TMPD/r.html"
one_line "... with one line" "telemetry.csv': No such file or directory"
for f in empty garbage hugeline; do
  mkdir "$TMPD/rep_$f"
  cp "$TMPD/$f" "$TMPD/rep_$f/telemetry.csv"
  expect_exit 1 "report: $f telemetry.csv exits 1" "$TP_BIN" report "$TMPD/rep_$f" -o "$TMPD/r.html"
  one_line "... with one line naming the file" "rep_$f/telemetry.csv"
done
check "... and writes no page" test ! -e "$TMPD/r.html"
mkdir -p "$TMPD/rep_d/telemetry.csv"
expect_exit 1 "report: telemetry.csv that is a directory exits 1" \
  "$TP_BIN" report "$TMPD/rep_d" -o "$TMPD/r.html"
one_line "... with one line saying so" "Is a directory"
mkdir "$TMPD/rep_ev"
cp "$S/telemetry.csv" "$TMPD/rep_ev/"
cp "$TMPD/garbage" "$TMPD/rep_ev/events.jsonl"
expect_exit 1 "report: garbage events.jsonl exits 1" "$TP_BIN" report "$TMPD/rep_ev" -o "$TMPD/r.html"
one_line "... with one line" "events.jsonl:1: not an event object"
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

# main: output lost on a full device is a failure for every command
expect_exit 1 "--help to a full device exits 1" sh -c "'$TP_BIN' --help >/dev/full"
one_line "... saying standard output could not be written" "cannot write standard output"
expect_exit 1 "tegrastats to a full device exits 1" sh -c "'$TP_BIN' tegrastats fixtures/tegrastats/jp4-nano.txt >/dev/full"

# a manifest naming a file outside its session is refused, never opened
cp -r fixtures/sessions/sim-audio "$TMPD/escape"
sed -i 's|^file = .*|file = ../../../../etc/passwd|' "$TMPD/escape/manifest.ini"
expect_exit 1 "replay: an [audio] file outside the session exits 1" "$TP_BIN" replay "$TMPD/escape"
one_line "... naming the key" "file '../../../../etc/passwd' is not a file name in the session"

done_testing
