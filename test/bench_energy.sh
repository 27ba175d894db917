#!/bin/sh
# The energy budget (issue 15) on the bundled rig (100 W panel, 20 Ah
# LiFePO4, 3.8 W idle, 7.2 W generating, 29.5 J per 50-token call, thermal
# budget 10 tokens/s), a year of each real irradiance file: hours below the
# 20 % floor, brownouts and tokens per day of the oracle that knows the
# weather, the energy budget (paced), the fixed threshold (generate until
# 20 %, stop until 50 %) and no pacing. Targets: the paced hours below the
# floor no more than the oracle's (0 where it has 0), tokens per year at
# least 90 % of the oracle's, the thermal budget never exceeded. Then the
# trade-off the reserve buys on each file.
# Usage: sh test/bench_energy.sh [BUILD_DIR]
set -eu
build=${1:-${TP_BUILD:-build/rel}}
bin=${TP_BIN:-$build/thermpace}

for rig in rig rig-pvgis; do
  echo "-- fixtures/solar/$rig.ini"
  "$bin" energy -s "fixtures/solar/$rig.ini"
done
echo "-- the reserve's trade-off (paced only; the oracle's hours below the floor are the bound)"
printf '%-10s %14s %14s %14s\n' file reserve_h below_floor_h of_oracle
for rig in rig rig-pvgis; do
  for r in 0 12 24 48 72; do
    "$bin" energy -s "fixtures/solar/$rig.ini" -r "$r" |
      awk -v f="$rig" -v r="$r" '$1 == "paced" { printf "%-10s %14s %14s %14s\n", f, r, $2, $6 }'
  done
done
