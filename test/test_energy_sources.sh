#!/bin/sh
# Energy sources in telemetry: a Victron VE.Direct device on a serial port
# (a pseudo-terminal the test feeds, test/vedirect_feed.py) named by the
# profile's [energy] vedirect key gives battery.* and solar.* channels
# that probe shows and record writes.
. test/lib.sh

if ! command -v python3 >/dev/null 2>&1; then
  skip "VE.Direct through a pseudo-terminal" "python3 is not installed"
  done_testing; exit $?
fi
root=$TMPD/root
mkdir -p "$root/dev"
{ sed '/^\[board\]/,$!d' boards/x86-generic.ini; printf '\n[energy]\nvedirect = /dev/ttyUSB0\n'; } >"$TMPD/rig.ini"

feed() { # SECONDS ARGS...: starts the feeder, waits for its port
  python3 test/vedirect_feed.py "$root/dev/ttyUSB0" "$@" &
  feeder=$!
  i=0
  while [ ! -e "$root/dev/ttyUSB0" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
}

# a good MPPT block, a bad one (99 V), HEX frames, a block split across writes
feed 6 --synthetic
expect_exit 0 "probe with a VE.Direct MPPT" "$TP_BIN" probe --root "$root" --board "$TMPD/rig.ini"
cp "$TMPD/out" "$TMPD/probe-mppt"
check "battery.voltage 13.29 V from the port" grep -Eq '^  battery\.voltage +13\.29 V +vedirect +/dev/ttyUSB0$' "$TMPD/probe-mppt"
check "battery.current 4.1 A" grep -Eq '^  battery\.current +4\.1 A ' "$TMPD/probe-mppt"
check "battery.power V x I = 54.489 W" grep -Eq '^  battery\.power +54\.489 W ' "$TMPD/probe-mppt"
check "solar.power 56 W" grep -Eq '^  solar\.power +56 W ' "$TMPD/probe-mppt"
check "solar.voltage 37.62 V" grep -Eq '^  solar\.voltage +37\.62 V ' "$TMPD/probe-mppt"
check "the bad block's 99 V never shown" sh -c "! grep -q ' 99 V' '$TMPD/probe-mppt'"
check "battery.soc: an MPPT sends none, said so" sh -c "grep -A2 '^  battery.soc ' '$TMPD/probe-mppt' | grep -q 'pending: the device sends no SOC'"
rm -rf "$TMPD/sess"
expect_exit 0 "record 1.5 s with the VE.Direct source" "$TP_BIN" record -o "$TMPD/sess" --duration 1.5 --interval 0.1 --root "$root" --board "$TMPD/rig.ini"
check "telemetry.csv has the battery and solar columns" sh -c "grep -v '^#' '$TMPD/sess/telemetry.csv' | head -1 | grep -q 'battery.voltage.*battery.current.*battery.power.*battery.soc.*solar.power.*solar.voltage'"
check "every row carries 13.29 V, never 99" python3 -c '
import csv, sys
rows = [r for r in csv.reader(l for l in open(sys.argv[1]) if not l.startswith("#"))]
h, rows = rows[0], rows[1:]
v = [r[h.index("battery.voltage")] for r in rows]
p = [r[h.index("solar.power")] for r in rows]
assert len(rows) >= 10 and all(float(x) == 13.29 for x in v), v
assert all(float(x) == 56 for x in p), p
' "$TMPD/sess/telemetry.csv"
wait $feeder

# a real BMV-700 capture (fixtures/vedirect/SOURCE): state of charge and P
feed 5 --dump fixtures/vedirect/bmv700.dump
expect_exit 0 "probe with a real BMV-700 capture" "$TP_BIN" probe --root "$root" --board "$TMPD/rig.ini"
check "battery.soc 83.8 or 83.9 %" grep -Eq '^  battery\.soc +83\.[89] % ' "$TMPD/out"
check "battery.power is the BMV's P, -92 W" grep -Eq '^  battery\.power +-92 W ' "$TMPD/out"
check "battery.current about -7.6 A (discharging)" grep -Eq '^  battery\.current +-7\.6[0-9]* A ' "$TMPD/out"
check "solar.power: a BMV sends none, said so" sh -c "grep -A2 '^  solar.power ' '$TMPD/out' | grep -q 'pending: the device sends no PPV'"
wait $feeder

# the same BMV as the daemon's energy source: its state of charge is the
# one the energy budget plans on (no power_supply battery, no UPS here)
feed 8 --dump fixtures/vedirect/bmv700.dump
expect_exit 0 "run with the BMV-700 as the energy source" "$TP_BIN" run --root "$root" --board "$TMPD/rig.ini" \
  --runtime-dir "$TMPD/rt" --interval 0.2 --events "$TMPD/bmv-ev.jsonl" -- "$TP_BUILD/thermpace-loadgen" -C -n 8 -d 64 -q
check "stderr names the board's channels as the energy source" grep -q "energy budget: reading the board's battery and solar channels" "$TMPD/err"
check "energy_budget plans on the BMV's charge (0.838 or 0.839)" python3 -c '
import json, sys
e = [json.loads(l) for l in open(sys.argv[1]) if "\"energy_budget\"" in l]
assert e, "no energy_budget event"
assert 0.8375 <= e[0]["soc"] <= 0.8395, e[0]
assert e[0]["battery_power_w"] == -92, e[0]
' "$TMPD/bmv-ev.jsonl"
wait $feeder

# the port is absent: a note, stale channels, still a report
expect_exit 0 "probe with the port absent" "$TP_BIN" probe --root "$root" --board "$TMPD/rig.ini"
check "a note says the port cannot be opened" grep -q 'vedirect: cannot open /dev/ttyUSB0' "$TMPD/out"
check "battery.voltage is listed as not readable" sh -c "grep -A2 '^  battery.voltage ' '$TMPD/out' | grep -q 'unreadable: cannot read'"

# a misspelled key in [energy] fails the profile's load
{ cat "$TMPD/rig.ini"; echo "vedirekt = /dev/ttyS0"; } >"$TMPD/typo.ini"
expect_exit 1 "a misspelled [energy] key is refused" "$TP_BIN" probe --root "$root" --board "$TMPD/typo.ini"
check "names the key" grep -q "unknown key 'vedirekt' in \[energy\]" "$TMPD/err"

# INA rails a profile names battery and solar (fixtures/energy/ina-rig):
# libsensors reads /sys/class/hwmon only, so the tree is bound there in a
# private mount namespace
rig=fixtures/energy/ina-rig
if unshare -m sh -c 'mount --bind /tmp /mnt 2>/dev/null || mount --bind /tmp /media' 2>/dev/null; then
  unshare -m sh -c 'mount --bind "$1/sys/class" /sys/class && exec "$2" probe --root "$1" --board "$1/rig.ini"' \
    sh "$PWD/$rig" "$TP_BIN" >"$TMPD/ina" 2>"$TMPD/ina.err"
  check "probe of the INA rig exits 0" test $? = 0
  check "INA226 bus voltage is battery.voltage 13.2 V" grep -Eq '^  battery\.voltage +13\.2 V +hwmon +/sys/class/hwmon/hwmon0/in1_input$' "$TMPD/ina"
  check "INA226 current is battery.current -1.5 A" grep -Eq '^  battery\.current +-1\.5 A +hwmon ' "$TMPD/ina"
  check "battery.power is the signed V x I, -19.8 W (power1 reads +19.8)" grep -Eq '^  battery\.power +-19\.8 W +hwmon +battery\.voltage x battery\.current$' "$TMPD/ina"
  check "INA3221 channel 'solar' is solar.voltage 18.4 V" grep -Eq '^  solar\.voltage +18\.4 V +ina3221-hwmon ' "$TMPD/ina"
  check "solar.current 2.1 A" grep -Eq '^  solar\.current +2\.1 A +ina3221-hwmon ' "$TMPD/ina"
  check "solar.power 38.64 W" grep -Eq '^  solar\.power +38\.64 W +ina3221-hwmon ' "$TMPD/ina"
  check "the board's rail stays power.board" grep -Eq '^  power\.board +6\.096 W ' "$TMPD/ina"
  # invert = 1: a shunt wired to read current out of the battery as positive
  sed 's/^channel = \(battery\|solar\)\.power$/&\ninvert = 1/' $rig/rig.ini >"$TMPD/inv.ini"
  unshare -m sh -c 'mount --bind "$1/sys/class" /sys/class && exec "$2" probe --root "$1" --board "$3"' \
    sh "$PWD/$rig" "$TP_BIN" "$TMPD/inv.ini" >"$TMPD/inv" 2>"$TMPD/inv.err"
  check "invert = 1: battery.current +1.5 A" grep -Eq '^  battery\.current +1\.5 A ' "$TMPD/inv"
  check "invert = 1: battery.power +19.8 W" grep -Eq '^  battery\.power +19\.8 W ' "$TMPD/inv"
  check "invert = 1: solar.power -38.64 W (INA3221)" grep -Eq '^  solar\.power +-38\.64 W ' "$TMPD/inv"
  check "invert = 1: voltages unchanged" grep -Eq '^  battery\.voltage +13\.2 V ' "$TMPD/inv"
  check "no volt.ina226_in1 left beside battery.voltage" sh -c "! grep -q 'volt.ina226_in1\\|power.ina226\\|curr.ina226' '$TMPD/ina'"
else
  skip "INA rails named battery and solar" "unshare -m with a bind mount is refused here (libsensors needs it)"
fi
{ sed '/^\[rail\.battery\]/,$d' $rig/rig.ini; printf '[rail.battery]\nsource = hwmon\nchannel = battery.voltage\n'; } >"$TMPD/badrail.ini"
expect_exit 1 "a rail's channel must be a power: battery.voltage refused" "$TP_BIN" probe --root "$root" --board "$TMPD/badrail.ini"
check "says what a rail's channel may be" grep -q 'battery.power or solar.power' "$TMPD/err"
done_testing
