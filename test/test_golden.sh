#!/bin/sh
# Behaviour pinned byte for byte: replay's events and computed channels for
# every fixture session, eval's scores of the fixture library and two
# simulated sessions, against test/golden/ (written by tools/golden).
. test/lib.sh
G=test/golden
for d in fixtures/sessions/*/; do
  n=$(basename "$d")
  if [ ! -f "$G/$n.events.jsonl" ]; then not_ok "$n: no golden (tools/golden writes it)"; continue; fi
  "$TP_BIN" replay "$d" --channels "$TMPD/$n.csv" >"$TMPD/$n.jsonl" 2>"$TMPD/err"
  if cmp -s "$G/$n.events.jsonl" "$TMPD/$n.jsonl"; then ok "$n: events as the golden"
  else not_ok "$n: events differ from the golden"; diff "$G/$n.events.jsonl" "$TMPD/$n.jsonl" | head -5 | sed 's/^/#   /'; fi
  want=$(grep " $n.csv\$" "$G/channels.sha256" | cut -d' ' -f1)
  got=$(cd "$TMPD" && sha256sum "$n.csv" | cut -d' ' -f1)
  if [ -n "$want" ] && [ "$want" = "$got" ]; then ok "$n: channels as the golden"; else not_ok "$n: channels differ from the golden"; fi
done
"$TP_BIN" eval fixtures/sessions --json >"$TMPD/eval.json" 2>/dev/null
check "eval of the fixture library as the golden" cmp -s "$G/eval.json" "$TMPD/eval.json"
"$TP_BIN" sim --scenario fixtures/scenarios/drift-throttle.ini --seed 7 --duration 1200 -o "$TMPD/sim-a" >/dev/null 2>&1
"$TP_BIN" sim --scenario fixtures/scenarios/default.ini --seed 3 --duration 300 -o "$TMPD/sim-b" >/dev/null 2>&1
check "simulated sessions as the golden" sh -c "cd '$TMPD' && sha256sum -c --quiet '$(pwd)/$G/sim.sha256'"
done_testing
