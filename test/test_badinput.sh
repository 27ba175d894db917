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

done_testing
