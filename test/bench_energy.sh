#!/bin/sh
# The energy budget (issue 15) on the bundled rig (100 W panel, 20 Ah
# LiFePO4, 3.8 W idle, 7.2 W generating, 29.5 J per 50-token call, thermal
# budget 10 tokens/s), a year of each real irradiance file: hours below the
# 20 % floor, brownouts and tokens per day of the oracle that knows the
# weather, the energy budget (paced), the fixed threshold (generate until
# 20 %, stop until 50 %) and no pacing. Targets: the paced hours below the
# floor no more than the oracle's (0 where it has 0), tokens per year at
# least 90 % of the oracle's, the thermal budget never exceeded. Then the
# trade-offs the reserve and the dark season's full battery (keep_full_days,
# the reserve at 0) buy on each file.
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
echo "-- the dark season's full battery (paced only, reserve 0 h: full while a clear day gives under K days of idle)"
printf '%-10s %14s %14s %14s\n' file keep_full_days below_floor_h of_oracle
tmp=$(mktemp "${TMPDIR:-/tmp}/bench_energy.XXXXXX")
trap 'rm -f "$tmp"' EXIT
for rig in rig rig-pvgis; do
  for k in 3.5 4 4.5; do
    sed -e "s|^file = |file = $PWD/fixtures/solar/|" -e "s/^keep_full_days = .*/keep_full_days = $k/" \
      -e "s/^reserve_hours = .*/reserve_hours = 0/" "fixtures/solar/$rig.ini" >"$tmp"
    "$bin" energy -s "$tmp" |
      awk -v f="$rig" -v k="$k" '$1 == "paced" { printf "%-10s %14s %14s %14s\n", f, k, $2, $6 }'
  done
done
