#!/bin/sh
# thermpace tegrastats: golden CSV for every capture in fixtures/tegrastats,
# stdin equals file input, malformed lines counted, arguments and failures.
. test/lib.sh
dir=fixtures/tegrastats

for in in "$dir"/*.txt; do
  name=${in##*/}
  if "$TP_BIN" tegrastats "$in" >"$TMPD/out.csv" 2>"$TMPD/err" &&
     cmp -s "$TMPD/out.csv" "${in%.txt}.csv"; then
    ok "golden ${name%.txt}.csv"
  else
    not_ok "golden ${name%.txt}.csv"; diff "${in%.txt}.csv" "$TMPD/out.csv" | head -20 | sed 's/^/#   /'
  fi
done

"$TP_BIN" tegrastats - <"$dir/mixed-garbage.txt" >"$TMPD/stdin.csv" 2>/dev/null
check "stdin gives the same CSV as the file" cmp -s "$TMPD/stdin.csv" "$dir/mixed-garbage.csv"
cat "$dir/mixed-garbage.txt" | "$TP_BIN" tegrastats >"$TMPD/pipe.csv" 2>/dev/null
check "no FILE reads stdin" cmp -s "$TMPD/pipe.csv" "$dir/mixed-garbage.csv"

"$TP_BIN" tegrastats "$dir/mixed-garbage.txt" >/dev/null 2>"$TMPD/err"
check "malformed lines are counted on stderr" \
  grep -q "mixed-garbage.txt: skipped 5 malformed lines of 10" "$TMPD/err"
check "a malformed line is named with its line number" \
  grep -q "mixed-garbage.txt:7: skipped: bad CPU entry 'abc'" "$TMPD/err"
check "the fake PMIC reading is reported, not used" \
  grep -q "temp.pmic: 4 readings left empty (PMIC" "$TMPD/err"

"$TP_BIN" tegrastats --interval 0.5 "$dir/jp4-tx2.txt" 2>/dev/null | tail -1 >"$TMPD/last"
check "--interval sets the line spacing" grep -q '^0.500000,' "$TMPD/last"
"$TP_BIN" tegrastats --interval 0.5 "$dir/stamped-orin.txt" 2>/dev/null | tail -1 >"$TMPD/last"
check "stamps win over --interval" grep -q '^3.000000,' "$TMPD/last"

# the CSV reads back through the telemetry reader (header valid, t monotonic)
if [ -x "$TP_BUILD/test/test_tegrastats" ]; then
  check "golden CSVs read back" "$TP_BUILD/test/test_tegrastats" --read-csv "$dir"/*.csv
fi

expect_exit 0 "--help exits 0" "$TP_BIN" tegrastats --help
check "--help prints usage on stdout" grep -q "usage: thermpace tegrastats" "$TMPD/out"
expect_exit 2 "bad --interval exits 2" "$TP_BIN" tegrastats --interval -1 "$dir/jp4-tx2.txt"
expect_exit 2 "two inputs exit 2" "$TP_BIN" tegrastats "$dir/jp4-tx2.txt" "$dir/jp4-nano.txt"
expect_exit 2 "unknown option exits 2" "$TP_BIN" tegrastats --bogus
expect_exit 1 "missing file exits 1" "$TP_BIN" tegrastats "$TMPD/does-not-exist"
check "missing file names the file" grep -q "cannot read '$TMPD/does-not-exist'" "$TMPD/err"
printf 'hello\nworld\n' >"$TMPD/junk"
expect_exit 1 "no tegrastats line exits 1" "$TP_BIN" tegrastats "$TMPD/junk"
expect_exit 1 "empty stdin exits 1" sh -c "'$TP_BIN' tegrastats - </dev/null"
done_testing
