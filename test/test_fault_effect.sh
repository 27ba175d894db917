#!/bin/sh
# tools/fault-effect: what a room or cooling change did to the readings,
# against the same board simulated without it (the plant draws the same
# numbers until the change, which the tool checks).
. test/lib.sh

if ! command -v python3 >/dev/null 2>&1; then
  skip "fault-effect" "no python3"
  done_testing
  exit
fi
fe() { tools/fault-effect --bin "$TP_BIN" "$@"; }

# a Nano's room 22 -> 27 C at 1 h: every reading about 5 K warmer once the
# heatsink has followed (the mean over the hour after is a little less)
fe fixtures/scenarios/net/nano-ambient-step.ini >"$TMPD/step" 2>"$TMPD/err"
check "a room step's effect, every channel warmer by most of the step" awk -F'\t' '
  { n = split($3, z, ", "); for (i = 1; i <= n; i++) { split(z[i], kv, " ");
      if (kv[2] + 0 < 3.5 || kv[2] + 0 > 5.0) bad = 1 } }
  END { exit !(NR == 1 && n == 3 && !bad) }' "$TMPD/step"

# a room that cooled 4.9 K as the heatsink got 1.44 times worse, under
# steps of the load (as population seed 1's scenario 59): they partly cancel
cat >"$TMPD/both.ini" <<'INI'
[scenario]
board = sim-nano
duration_s = 3600
seed = 59
[plant]
model = network
class = nano
ambient_c = 31.9
initial = steady
max_rate = 8
[load]
profile = steps
rate = 0
step = 600 6.0
step = 2400 0
[audio]
rate = 0
[event.room]
kind = ambient_step
t_start = 1800
to_c = 27.0
[event.cooling]
kind = cooling_degraded
t_start = 1800
r_factor = 1.44
stage = sink
INI
fe "$TMPD/both.ini" >"$TMPD/both" 2>"$TMPD/err"
check "a room step and a cooling change told as one effect" \
  grep -q 'ambient_step+cooling_degraded from 1800 s' "$TMPD/both"
sed 's/^to_c = .*/to_c = 31.9/' "$TMPD/both.ini" >"$TMPD/cool.ini"
fe "$TMPD/cool.ini" >"$TMPD/cool" 2>"$TMPD/err"
check "the cooling change alone" grep -q '	cooling_degraded from 1800 s' "$TMPD/cool"
check "the pair's effect is smaller than the cooling change's alone" awk -F'\t' '
  FNR == 1 { sub(/.*\|effect\| /, "", $4); v[NR] = $4 + 0 }
  END { exit !(v[1] > 0 && v[1] < v[2] / 2) }' "$TMPD/both" "$TMPD/cool"

fe fixtures/scenarios/net/nano-clean.ini >"$TMPD/clean" 2>&1
check "a scenario with no change says so" grep -q 'no room or cooling change' "$TMPD/clean"
expect_exit 1 "a path with no scenario is refused" fe "$TMPD/none"
check "... in one line" test "$(wc -l <"$TMPD/err")" = 1
printf '[scenario]\nseed = 1\n[plant]\nmodel = network\nclass = nano\n[event.r]\nkind = ambient_step\nt_start = x\n' \
  >"$TMPD/bad.ini"
expect_exit 1 "a change with no numeric start is refused" fe "$TMPD/bad.ini"
done_testing
