#!/bin/sh
# thermpace report: the page of a small session, its figures, and its errors.
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
printf 't,temp.cpu,power.board,freq.cpu,tokens.total,state.cool_cpu\n0,40,5,1e9,0,0\n1,41,6,1e9,10,1\n2,43.5,7,8e8,20,2\n' >"$s/telemetry.csv"
printf '{"t":1.5,"event":"kernel_throttle","clause":"freq_cap","verdict":"thermal","confidence":0.9,"note":"<b>"}\n' >"$s/events.jsonl"

expect_exit 0 "report writes a page" "$TP_BIN" report "$s" -o "$TMPD/r.html"
check "page names the board" grep -q '<td>jetson-nano</td>' "$TMPD/r.html"
check "temperature chart has the zone" grep -q '<path class="series"[^>]*data-name="temp.cpu"' "$TMPD/r.html"
check "energy from the one account (trapezoid 12 J)" grep -q '<td>12.0 J (0.003 Wh, from the measured power)</td>' "$TMPD/r.html"
check "J/token gross 12 J / 20 tokens" grep -q '<td>0.600 J/token</td>' "$TMPD/r.html"
check "tokens counted" grep -q '<th>tokens</th><td>20</td>' "$TMPD/r.html"
check "throttles with their verdicts" grep -q '1 (verdicts: thermal: 1)' "$TMPD/r.html"
check "peak temperature" grep -q '43.5 &#176;C at 2 s' "$TMPD/r.html"
check "clocks in GHz" grep -q 'clock (GHz)' "$TMPD/r.html"
check "axes carry units and clock time" grep -q '>00:00:02<' "$TMPD/r.html"
check "event marked on the lane" grep -q 'data-tip="kernel_throttle at 1.5 s | verdict thermal (confidence 0.90) | clause freq_cap' "$TMPD/r.html"
check "event table has verdict, confidence, clause columns" grep -q '<th>verdict</th><th>confidence</th><th>clause</th>' "$TMPD/r.html"
check "table row split into columns" grep -q '<td>kernel_throttle</td><td>thermal</td><td>0.90</td><td>freq_cap</td>' "$TMPD/r.html"
check "raw JSON only folded, escaped" grep -q '<details><summary>JSON</summary><code>.*&quot;note&quot;:&quot;&lt;b&gt;&quot;' "$TMPD/r.html"
check "no raw tag from evidence" sh -c "test -s '$TMPD/r.html' && ! grep -q '\"<b>\"' '$TMPD/r.html'"
# cooling states drawn as steps: every segment horizontal or vertical
d=$(grep -o 'data-name="state.cool_cpu"[^>]* d="[^"]*"' "$TMPD/r.html" | sed 's/.* d="//; s/"$//')
check "cooling states as steps ($d)" sh -c "echo '$d' | tr 'ML' '\n\n' | awk -F, 'NF==2{ if (n && \$1!=px && \$2!=py) bad=1; px=\$1; py=\$2; n++ } END { exit !(n >= 4 && !bad) }'"

# a trip judged unknown and told later (throttle_verdict): counted by the later verdict
u="$TMPD/told"
mkdir -p "$u"
cp "$s/manifest.ini" "$s/telemetry.csv" "$u/"
printf '%s\n' '{"t":1,"event":"kernel_throttle","state":"start","clause":"cooling_state","verdict":"unknown"}' \
  '{"t":1.5,"event":"kernel_throttle","state":"start","clause":"cooling_state","verdict":"thermal"}' \
  '{"t":2,"event":"throttle_verdict","resolves_t":1,"verdict":"sensor_drift","faulty_sensor":"temp.cpu"}' >"$u/events.jsonl"
expect_exit 0 "report of a trip told later" "$TP_BIN" report "$u" -o "$TMPD/told.html"
check "... counted by its later verdict, no unknown left" \
  grep -q '2 (verdicts: thermal: 1, sensor_drift: 1)' "$TMPD/told.html"

# decimation keeps a one-sample burst among 20000 flat samples
l="$TMPD/long"
mkdir -p "$l"
awk 'BEGIN { print "t,power.board,temp.cpu"; for (i = 0; i < 20000; i++) printf "%d,%s,50\n", i, (i == 12345 ? 40 : 5) }' >"$l/telemetry.csv"
printf '' >"$l/events.jsonl"
i=0; while [ $i -lt 200 ]; do printf '{"t":%d.%02d,"event":"sensor_spike","channel":"temp.cpu"}\n' 5000 $i >>"$l/events.jsonl"; i=$((i + 1)); done
expect_exit 0 "report of a long session" "$TP_BIN" report "$l" -o "$TMPD/l.html"
d=$(grep -o 'data-name="power.board"[^>]* d="[^"]*"' "$TMPD/l.html" | sed 's/.* d="//; s/"$//')
top=$(echo "$d" | tr 'ML' '\n\n' | awk -F, 'NF==2 { if (min == "" || $2 < min) min = $2 } END { print min }')
check "burst kept by min/max decimation (top y $top)" awk -v y="$top" 'BEGIN { exit !(y != "" && y < 20) }'
pts=$(echo "$d" | tr 'ML' '\n\n' | grep -c ,)
check "path decimated ($pts points for 20000 samples)" test "$pts" -le 2100
check "200 close events clustered into one marker" grep -q 'data-kind="sensor_spike" data-n="200"' "$TMPD/l.html"
check "a cluster's tip says how many" grep -q 'data-tip="200 sensor_spike events' "$TMPD/l.html"

expect_exit 0 "two sessions side by side" "$TP_BIN" report "$s" "$l" -o "$TMPD/two.html"
check "both sessions in the summary" grep -q "<th>$s</th><th>$l</th>" "$TMPD/two.html"
check "second session's charts" grep -q 'id="temp2"' "$TMPD/two.html"
expect_exit 2 "three sessions is a usage error" "$TP_BIN" report "$s" "$l" "$s" -o "$TMPD/three.html"

# a simulated session with audio: spectrogram, truth, replayed forecast
a=fixtures/sessions/sim-audio
expect_exit 0 "report of a simulated session with audio" "$TP_BIN" report "$a" -o "$TMPD/a.html"
check "spectrogram embedded" grep -q '<image [^>]*href="data:image/bmp;base64,Qk' "$TMPD/a.html"
check "tonal lines drawn over it" grep -q 'class="series dots" data-name="report.line1_hz"' "$TMPD/a.html"
check "events replayed when the session has none" grep -q 'events of the pipeline replayed' "$TMPD/a.html"
check "ceiling and set point drawn" sh -c "grep -q '>ceiling 80<' '$TMPD/a.html' && grep -q '>set point 77<' '$TMPD/a.html'"
h=fixtures/sessions/sim-hot-throttle
expect_exit 0 "report of a long simulated session" "$TP_BIN" report "$h" -o "$TMPD/h.html"
check "forecast from the replayed pipeline" grep -q 'data-name="forecast 120 s ahead" fill="none" stroke="#8e44ad" stroke-dasharray="4,3" d="M' "$TMPD/h.html"
check "forecast band" grep -q '<path class="band"[^>]* d="M' "$TMPD/h.html"
check "net J/token with the idle power" grep -Eq 'J/token \(idle [0-9.]+ W\)' "$TMPD/h.html"

n="$TMPD/net"
"$TP_BIN" sim --scenario fixtures/scenarios/net/nano-clean.ini -d 900 --no-audio -o "$n" >/dev/null 2>&1
expect_exit 0 "report of a network-plant session" "$TP_BIN" report "$n" -o "$TMPD/n.html"
check "true die temperature from truth.jsonl" grep -q 'data-name="true die (truth)" fill="none" stroke="#000" stroke-dasharray="2,2" d="M' "$TMPD/n.html"

# a board with rails only (no power.board): the page's energy and J/token
# are the session's energy_summary, from the one account (the Orin fixture
# with its power.board column taken out and a token counter added)
r="$TMPD/rails"
mkdir -p "$r"
cp fixtures/sessions/orin-janus/manifest.ini "$r/"
awk -F, '/^#/ { print; next }
  !c { for (i = 1; i <= NF; i++) if ($i == "power.board") c = i; hdr = 1 }
  { out = $1; for (i = 2; i <= NF; i++) if (i != c) out = out "," $i
    if (hdr) { print out ",tokens.total"; hdr = 0 } else print out "," ($1 * 12) }' \
  fixtures/sessions/orin-janus/telemetry.csv >"$r/telemetry.csv"
"$TP_BIN" replay "$r" 2>/dev/null | grep '"energy_summary"' | tail -1 >"$TMPD/rails.sum"
ej=$(sed 's/.*"energy_j":\([0-9.e+-]*\).*/\1/' "$TMPD/rails.sum")
jpt=$(sed 's/.*"joules_per_token":\([0-9.e+-]*\).*/\1/' "$TMPD/rails.sum")
jn=$(sed 's/.*"joules_per_token_net":\([0-9.e+-]*\).*/\1/' "$TMPD/rails.sum")
check "rails-only session has no power.board" sh -c "! head -4 '$r/telemetry.csv' | grep -q power.board"
check "replay's energy_summary from the rails ($ej J)" grep -q '"energy_source":"rails"' "$TMPD/rails.sum"
expect_exit 0 "report of a rails-only session" "$TP_BIN" report "$r" -o "$TMPD/rails.html"
e1=$(awk -v e="$ej" 'BEGIN { printf "%.1f", e }')
j1=$(awk -v e="$jpt" 'BEGIN { printf "%.3f", e }')
j2=$(awk -v e="$jn" 'BEGIN { printf "%.3f", e }')
check "page's energy is energy_summary's ($e1 J)" grep -q "<td>$e1 J (" "$TMPD/rails.html"
check "page's J/token is energy_summary's ($j1)" grep -q "<td>$j1 J/token</td>" "$TMPD/rails.html"
check "page's net J/token is energy_summary's ($j2)" grep -q "<td>$j2 J/token (idle" "$TMPD/rails.html"
check "rolling J/token drawn" grep -q 'data-name="J/token (60 s)"[^>]* d="M' "$TMPD/rails.html"

# an off-grid session (hand-made: fixtures/report/offgrid/SOURCE): the
# energy chart, state of charge in the summary, the budgets on the rate chart
o=fixtures/report/offgrid
expect_exit 0 "report of an off-grid session" "$TP_BIN" report "$o" -o "$TMPD/o.html"
want=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "battery.soc") c = i; next }
  { if (m == "" || $c + 0 < m) { m = $c + 0; mt = $1 } e = $c }
  END { printf "min %.1f %% at %.0f s, end %.1f %%", m, mt, e }' "$o/telemetry.csv")
check "state of charge min and end in the summary ($want)" grep -q "<th>battery state of charge</th><td>$want</td>" "$TMPD/o.html"
for n in battery.soc battery.power solar.power solar.forecast; do
  check "energy chart draws $n" grep -q "<path class=\"series\"[^>]*data-name=\"$n\"[^>]* d=\"M" "$TMPD/o.html"
done
check "watts on a second axis" grep -q '<g class="ax y2">.*>power (W)</text>' "$TMPD/o.html"
check "energy budget on the rate chart" grep -q 'data-name="energy budget"[^>]* d="M' "$TMPD/o.html"
check "thermal budget on the rate chart" grep -q 'data-name="thermal budget"[^>]* d="M' "$TMPD/o.html"
check "energy_budget events on the lane" grep -q 'data-kind="energy_budget"' "$TMPD/o.html"
check "a session without a battery has no energy chart" sh -c "test -s '$TMPD/r.html' && ! grep -q 'id=\"energy\"' '$TMPD/r.html' && ! grep -q 'battery state of charge' '$TMPD/r.html'"
# energy_budget events alone: the state of charge and budgets from them
e="$TMPD/evonly"
mkdir -p "$e"
cp "$o/manifest.ini" "$o/events.jsonl" "$e/"
cut -d, -f1-5 "$o/telemetry.csv" >"$e/telemetry.csv"
expect_exit 0 "report of a session with energy_budget events only" "$TP_BIN" report "$e" -o "$TMPD/e.html"
want=$(sed 's/.*"t":\([0-9.]*\),.*"soc":\([0-9.]*\),.*/\1 \2/' "$e/events.jsonl" |
  awk '{ if (m == "" || $2 < m) { m = $2; mt = $1 } e = $2 } END { printf "min %.1f %% at %.0f s, end %.1f %%", m * 100, mt, e * 100 }')
check "state of charge from the events ($want)" grep -q "<td>$want</td>" "$TMPD/e.html"
check "events' state of charge drawn" grep -q 'class="series dots" data-name="report.budget_soc"' "$TMPD/e.html"
check "events' budgets on the rate chart" grep -q 'data-name="thermal budget"[^>]* d="M' "$TMPD/e.html"

printf '{"t":1,"event":"x"}\nnot json\n' >"$s/events.jsonl"
expect_exit 1 "bad events.jsonl fails" "$TP_BIN" report "$s" -o "$TMPD/r2.html"
check "error names file and line" grep -q 'events.jsonl:2:' "$TMPD/err"
check "no partial page left" test ! -e "$TMPD/r2.html"
expect_exit 1 "missing session fails" "$TP_BIN" report "$TMPD/nope" -o "$TMPD/r3.html"
check "error is one line" test "$(wc -l <"$TMPD/err")" = 1
expect_exit 2 "no output is a usage error" "$TP_BIN" report "$s"
expect_exit 0 "help" "$TP_BIN" report --help
done_testing
