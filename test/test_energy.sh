#!/bin/sh
# thermpace energy: the off-grid rig of issue 15 on the plain week and a
# scenario without a location; energy_budget events carry their forecast;
# bad arguments and files give one line and the documented exit status.
. test/lib.sh

expect_exit 0 "energy --help" "$TP_BIN" energy --help
check "help names the options" grep -q -- '--energy-floor' "$TMPD/out"

expect_exit 0 "the plain week runs" "$TP_BIN" energy -s fixtures/solar/rig-plain.ini -e "$TMPD/ev.jsonl"
cp "$TMPD/out" "$TMPD/week.txt"
check "a row per controller" sh -c "grep -c -E '^(oracle|paced|threshold|unpaced) ' '$TMPD/week.txt' | grep -qx 4"
check "the week: 7 days, the location from [site]" grep -q '45.000 N 8.000 E, 7.0 days' "$TMPD/week.txt"
check "targets printed with met/not met" sh -c "grep -c '^target .*: \(met\|not met\)\$' '$TMPD/week.txt' | grep -qx 3"
# 167 hours from the first row to the last, a budget each 15 min
check "energy_budget events, every 15 min of the week" sh -c "[ \$(grep -c '\"event\": *\"energy_budget\"' '$TMPD/ev.jsonl') -eq 668 ]"
check "each event carries its forecast and the side that won" sh -c \
  "head -1 '$TMPD/ev.jsonl' | grep -q 'harvest_lo_wh' && head -1 '$TMPD/ev.jsonl' | grep -q '\"limit\": *\"\(energy\|thermal\)\"'"
check "the thermal budget (10 tok/s) wins on a full July battery" grep -q '"limit": *"thermal"' "$TMPD/ev.jsonl"

# --by-month: a fortnight across the turn of a month, bright days and then
# dark ones; each month's row, and the months add up to the whole
awk 'BEGIN { print "time,ghi,t_air"
  for (d = 0; d < 14; d++) for (h = 0; h < 24; h++) {
    g = (h >= 7 && h <= 16) ? (d < 5 ? 500 : 25) * sin((h - 6.5) / 10 * 3.14159) : 0
    printf "2011-%02d-%02dT%02d:00:00Z,%.1f,8.0\n", d < 7 ? 11 : 12, d < 7 ? 24 + d : d - 6, h, g }
}' >"$TMPD/turn.csv"
sed "s|^file = .*|file = $TMPD/turn.csv|" fixtures/solar/rig-plain.ini >"$TMPD/turn.ini"
expect_exit 0 "--by-month runs" "$TP_BIN" energy -s "$TMPD/turn.ini" --by-month
cp "$TMPD/out" "$TMPD/turn.txt"
check "--by-month: a row for November and one for December" \
  sh -c "grep -q '^Nov ' '$TMPD/turn.txt' && grep -q '^Dec ' '$TMPD/turn.txt' && [ \$(grep -c -E '^[A-Z][a-z]{2} ' '$TMPD/turn.txt') -eq 2 ]"
check "--by-month: the months' days, tokens and hours below the floor add up to the table's" \
  python3 -c '
import re, sys
t = open(sys.argv[1]).read()
days = float(re.search(r"([0-9.]+) days", t).group(1))
rows = {m.group(1): m.group(2).split() for m in re.finditer(r"^(oracle|paced|threshold|unpaced) +(.*)$", t, re.M)}
months = [l.split() for l in t.splitlines() if re.match(r"^[A-Z][a-z]{2} ", l)]
mdays = sum(float(m[1]) for m in months)
ok = abs(mdays - days) < 0.05
for i, p in enumerate(["oracle", "paced", "threshold", "unpaced"]):
    tok = sum(float(m[2 + 3 * i]) * float(m[1]) for m in months)
    below = sum(float(m[4 + 3 * i]) for m in months)
    ok &= abs(tok - float(rows[p][2]) * mdays) <= 1e-3 * float(rows[p][2]) * mdays + 1
    ok &= abs(below - float(rows[p][0])) <= 0.05 * len(months) + 1e-9
sys.exit(not ok)' "$TMPD/turn.txt"
check "--by-month: the dark December is where the fixed threshold spends hours below the floor" \
  awk '$1 == "Dec" && $11 + 0 > 0 { f = 1 } END { exit !f }' "$TMPD/turn.txt"

# options override the scenario
"$TP_BIN" energy -s fixtures/solar/rig-plain.ini --energy-floor 0.5 --reserve-hours 0 --confidence 0.9 >"$TMPD/o2" 2>&1
check "--energy-floor and --reserve-hours in the header" grep -q 'floor 50 %, reserve 0.0 h, confidence 0.90' "$TMPD/o2"
"$TP_BIN" energy -s fixtures/solar/rig-plain.ini --keep-full-days 4 >"$TMPD/o3" 2>&1
check "--keep-full-days in the header" grep -q 'full at dusk below 4.0 days of idle a clear day' "$TMPD/o3"
"$TP_BIN" energy -s fixtures/solar/rig-plain.ini --keep-full-days auto -e "$TMPD/ev5.jsonl" >"$TMPD/o5" 2>&1
check "--keep-full-days auto: the rig's own threshold in the header (the board at its thermal budget)" \
  grep -q 'full at dusk while a clear day cannot run the board at its most and refill the battery (3.88 days of idle)' "$TMPD/o5"
check "... and in the events, outside the dark season in July" \
  grep -q '"keep_full_days": *3.878.*"dark_season": *false' "$TMPD/ev5.jsonl"
sed 's/^keep_full_days = 0/keep_full_days = auto/' fixtures/solar/rig-plain.ini >"$TMPD/auto.ini"
cp fixtures/solar/plain-week.csv "$TMPD/"
"$TP_BIN" energy -s "$TMPD/auto.ini" >"$TMPD/o6" 2>&1
check "keep_full_days = auto in a scenario" grep -q '(3.88 days of idle)' "$TMPD/o6"
"$TP_BIN" energy -s fixtures/solar/rig-plain.ini --spell-confidence 0.9 -e "$TMPD/ev4.jsonl" >"$TMPD/o4" 2>&1
check "--spell-confidence in the header" grep -q 'dark spells carried at 0.90' "$TMPD/o4"
check "... and the spell learned in the events" grep -q '"spell_p"' "$TMPD/ev4.jsonl"

# a plain series with no [site]: refused with a clear line
sed '/^\[site\]/,/^longitude/d' fixtures/solar/rig-plain.ini >"$TMPD/nosite.ini"
cp fixtures/solar/plain-week.csv "$TMPD/"
expect_exit 1 "no location: exit 1" "$TP_BIN" energy -s "$TMPD/nosite.ini"
check "no location: says so" grep -q 'no location' "$TMPD/err"

expect_exit 2 "bad floor" "$TP_BIN" energy --energy-floor 2
check "bad floor: one line" sh -c "[ \$(wc -l <'$TMPD/err') -eq 1 ]"
expect_exit 2 "bad --keep-full-days" "$TP_BIN" energy --keep-full-days -1
expect_exit 2 "bad --spell-confidence" "$TP_BIN" energy --spell-confidence 1
expect_exit 2 "unknown option" "$TP_BIN" energy --bogus
expect_exit 2 "stray argument" "$TP_BIN" energy extra
expect_exit 1 "missing scenario" "$TP_BIN" energy -s "$TMPD/none.ini"
printf 'time,ghi\n100,5\n50,5\n' >"$TMPD/back.csv"
expect_exit 1 "irradiance going back in time" "$TP_BIN" energy -s fixtures/solar/rig-plain.ini -i "$TMPD/back.csv"
check "names the file and line" grep -q 'back.csv:3: time does not increase' "$TMPD/err"
printf '[battery]\ncapacity_ah = lots\n' >"$TMPD/badkey.ini"
expect_exit 1 "a bad scenario key" "$TP_BIN" energy -s "$TMPD/badkey.ini"
check "names the key" grep -q 'capacity_ah must be a number' "$TMPD/err"

done_testing
