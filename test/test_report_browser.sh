#!/bin/sh
# The report in a real browser (Debian's chromium, headless): the page loads
# with no console error, every chart is there and not empty, hovering an
# event marker shows its evidence (the page's own hover handler, checked in
# the DOM), and a screenshot is kept under the build directory.
. test/lib.sh
. test/chromium.sh
if [ -z "$CHROMIUM" ]; then
  skip "report in chromium" "chromium not installed (apt-get install chromium)"
  done_testing
  exit
fi
art="$TP_BUILD/artifacts"
mkdir -p "$art"
one=fixtures/sessions/sim-audio
two=fixtures/sessions/sim-drift-throttle

expect_exit 0 "report of a session with audio" "$TP_BIN" report "$one" -o "$TMPD/one.html"
check "chromium loads the page" chromium_dump "$TMPD/one.html" "$TMPD/one.dom" "$TMPD/one.err" "$art/report.png"
check "page ran its self-check" grep -q '<pre id="selftest">' "$TMPD/one.dom"
c=$(chromium_console "$TMPD/one.err")
check "no console message (${c:-none})" test -z "$c"
check "no script error" sh -c "! grep -q '^error ' '$TMPD/one.dom'"
for id in events temp power jpt rate clock state spectro; do
  check "chart $id present and not empty" grep -q "^chart $id ok" "$TMPD/one.dom"
done
check "no empty chart" sh -c "! grep -q '^chart .* EMPTY' '$TMPD/one.dom'"
l=$(grep '^legend' "$TMPD/one.dom" | tr '\n' ';')
check "every legend inside its chart, none over another ($l)" grep -Eq '^legends [1-9][0-9]* outside 0 overlapping 0(<|$)' "$TMPD/one.dom"
check "hover shows the marker's tip" grep -q '^tip shown ' "$TMPD/one.dom"
check "tip carries the verdict and evidence" grep -Eq '^tip shown .*verdict .*evidence: ' "$TMPD/one.dom"
check "screenshot kept ($art/report.png)" test -s "$art/report.png"

expect_exit 0 "report of two sessions side by side" "$TP_BIN" report "$one" "$two" -o "$TMPD/two.html"
check "chromium loads the pair" chromium_dump "$TMPD/two.html" "$TMPD/two.dom" "$TMPD/two.err" "$art/report-pair.png"
for id in temp temp2 power power2 events events2; do
  check "pair: chart $id present and not empty" grep -q "^chart $id ok" "$TMPD/two.dom"
done
l=$(grep '^legend' "$TMPD/two.dom" | tr '\n' ';')
check "pair: every legend inside its chart, none over another ($l)" grep -Eq '^legends [1-9][0-9]* outside 0 overlapping 0(<|$)' "$TMPD/two.dom"
c=$(chromium_console "$TMPD/two.err")
check "pair: no console message (${c:-none})" test -z "$c"

# an off-grid session: the energy chart beside the others
expect_exit 0 "report of an off-grid session" "$TP_BIN" report fixtures/report/offgrid -o "$TMPD/o.html"
check "chromium loads it" chromium_dump "$TMPD/o.html" "$TMPD/o.dom" "$TMPD/o.err" "$art/report-offgrid.png"
for id in energy rate temp; do
  check "off-grid: chart $id present and not empty" grep -q "^chart $id ok" "$TMPD/o.dom"
done
l=$(grep '^legend' "$TMPD/o.dom" | tr '\n' ';')
check "off-grid: every legend inside its chart ($l)" grep -Eq '^legends [1-9][0-9]* outside 0 overlapping 0(<|$)' "$TMPD/o.dom"
c=$(chromium_console "$TMPD/o.err")
check "off-grid: no console message (${c:-none})" test -z "$c"
done_testing
