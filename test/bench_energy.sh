#!/bin/sh
# The energy budget (issue 15) on the bundled rig (100 W panel, 20 Ah
# LiFePO4, 3.8 W idle, 7.2 W generating, 29.5 J per 50-token call, thermal
# budget 10 tokens/s), a year of each real irradiance file: hours below the
# 20 % floor, brownouts and tokens per day of the oracle that knows the
# weather, the energy budget (paced: the dark spell's reserve learned at the
# budget's confidence, 0.8), the fixed threshold (generate until 20 %, stop
# until 50 %) and no pacing. Targets: the paced hours below the floor no
# more than the oracle's (0 where it has 0), tokens per year at least 90 %
# of the oracle's, the thermal budget never exceeded. Then the trade-offs
# on each file: the fixed reserve of hours (the spell off), the spell's
# confidence, and the dark season's battery full at dusk with the night
# kept (keep_full_days; auto: while a clear day cannot run the board at its
# thermal budget and refill the battery from the floor, the threshold drawn
# from the rig itself), with the spell and without, at the budget's
# confidence and at the forecast's middle (0.5).
# Usage: sh test/bench_energy.sh [BUILD_DIR]
set -eu
build=${1:-${TP_BUILD:-build/rel}}
bin=${TP_BIN:-$build/thermpace}

for rig in rig rig-pvgis; do
  echo "-- fixtures/solar/$rig.ini"
  "$bin" energy -s "fixtures/solar/$rig.ini"
done
echo "-- the trade-offs (paced only; the oracle's hours below the floor are the bound)"
printf '%-10s %-36s %14s %10s\n' file setting below_floor_h of_oracle
row() { # FILE SETTING ARGS...
  f=$1
  set=$2
  shift 2
  "$bin" energy -s "fixtures/solar/$f.ini" "$@" |
    awk -v f="$f" -v s="$set" '$1 == "paced" { printf "%-10s %-36s %14s %10s\n", f, s, $2, $6 }'
}
for rig in rig rig-pvgis; do
  for r in 0 24 48; do
    row "$rig" "spell off, reserve ${r} h" -p 0 -r "$r"
  done
  for p in 0.8 0.9 0.95; do
    row "$rig" "spell at $p" -p "$p"
  done
  for k in 3.5 4 auto; do
    row "$rig" "spell at 0.8, keep_full_days $k" -k "$k"
  done
  row "$rig" "spell off, keep_full_days auto" -p 0 -r 0 -k auto
  row "$rig" "spell off, auto, confidence 0.5" -p 0 -r 0 -k auto -c 0.5
done
