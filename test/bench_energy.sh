#!/bin/sh
# The energy budget (issue 15) on the bundled rig (100 W panel, 20 Ah
# LiFePO4, 3.8 W idle, 7.2 W generating, 29.5 J per 50-token call, thermal
# budget 10 tokens/s), a year of each real irradiance file: hours below the
# 20 % floor, brownouts and tokens per day of the oracle that knows the
# weather, the energy budget (paced as the rig says: no fixed or spell
# reserve, the dark season's battery full at dusk and through the night,
# keep_full_days auto, at the forecast's middle, confidence 0.5), the fixed threshold (generate until 20 %, stop
# until 50 %) and no pacing. Targets: the paced hours below the floor no
# more than the oracle's (0 where it has 0), tokens per year at least 90 %
# of the oracle's, the thermal budget never exceeded. Then the trade-offs
# on each file, each row naming all four settings: the fixed reserve of
# hours (the spell off), the spell's confidence, and the dark season's battery full at dusk with the night
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
printf '%-10s %-40s %14s %10s\n' file setting below_floor_h of_oracle
row() { # FILE SETTING ARGS...
  f=$1
  set=$2
  shift 2
  "$bin" energy -s "fixtures/solar/$f.ini" "$@" |
    awk -v f="$f" -v s="$set" '$1 == "paced" { printf "%-10s %-40s %14s %10s\n", f, s, $2, $6 }'
}
for rig in rig rig-pvgis; do
  for r in 0 24 48; do
    row "$rig" "spell off, reserve ${r} h, keep 0, conf 0.8" -p 0 -r "$r" -k 0 -c 0.8
  done
  for p in 0.8 0.9 0.95; do
    row "$rig" "spell at $p, keep 0, conf 0.8" -p "$p" -r 0 -k 0 -c 0.8
  done
  for k in 3.5 4 auto; do
    row "$rig" "spell at 0.8, keep $k, conf 0.8" -p 0.8 -r 0 -k "$k" -c 0.8
  done
  row "$rig" "spell off, keep auto, conf 0.8" -p 0 -r 0 -k auto -c 0.8
  row "$rig" "spell off, keep auto, conf 0.5 (rig)" -p 0 -r 0 -k auto -c 0.5
done
