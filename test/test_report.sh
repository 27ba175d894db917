#!/bin/sh
# thermpace report: a page from a small session, and its errors.
. test/lib.sh
s="$TMPD/s"
mkdir -p "$s"
cat >"$s/manifest.ini" <<'INI'
[session]
version = 0.1.0
board = jetson-nano
source = sim
start_utc = 2026-01-01T00:00:00Z
start_monotonic = 100.0
interval_s = 1
INI
printf 't,temp.cpu,power.board,freq.cpu\n0,40,5,1e9\n1,41,6,1e9\n2,43.5,7,8e8\n' >"$s/telemetry.csv"
printf '{"t":1.5,"event":"kernel_throttle","clause":"freq_cap","note":"<b>"}\n' >"$s/events.jsonl"

expect_exit 0 "report writes a page" "$TP_BIN" report "$s" -o "$TMPD/r.html"
check "page names the board" grep -q '<td>jetson-nano</td>' "$TMPD/r.html"
check "page has the temperature chart" grep -q '<polyline.*<title>temp.cpu</title>' "$TMPD/r.html"
check "channel summary min/mean/max" grep -q '<td>temp.cpu</td><td>C</td><td>3</td><td>40</td><td>41.5</td><td>43.5</td>' "$TMPD/r.html"
check "event marked on the chart" grep -q 'kernel_throttle at 1.5 s' "$TMPD/r.html"
check "evidence is escaped" grep -q '&quot;note&quot;:&quot;&lt;b&gt;&quot;' "$TMPD/r.html"
check "no raw tag from evidence" sh -c "test -s '$TMPD/r.html' && ! grep -q '\"<b>\"' '$TMPD/r.html'"

printf '{"t":1,"event":"x"}\nnot json\n' >"$s/events.jsonl"
expect_exit 1 "bad events.jsonl fails" "$TP_BIN" report "$s" -o "$TMPD/r2.html"
check "error names file and line" grep -q 'events.jsonl:2:' "$TMPD/err"
expect_exit 1 "missing session fails" "$TP_BIN" report "$TMPD/nope" -o "$TMPD/r3.html"
check "error is one line" test "$(wc -l <"$TMPD/err")" = 1
expect_exit 2 "no output is a usage error" "$TP_BIN" report "$s"
expect_exit 0 "help" "$TP_BIN" report --help
done_testing
