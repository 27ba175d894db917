#!/bin/sh
# The energy budget in `attach` and `serve` end to end (issue 15): a
# LiFePO4 pack of the power_supply class under --root (62 %, 20 Ah at
# 13.2 V, discharging, a mains supply offline) beside a copy of the Jetson
# Nano tree, no site (no harvest counted on), no reserve. `attach` governs a
# real process, a cooperative thermpace-loadgen asking for each token on the
# pacing socket; `serve` paces two such clients, follows the pack's charge
# as it changes mid-run and takes a new floor on SIGHUP. Each is checked
# against the budget's closed form: with no harvest the battery carries 24 h
# of the profile's load above the floor,
#   rate = ((soc - floor) * 264 Wh * 0.98 / 24 h - 3.8 W) / 0.279 J,
# in the energy_budget events, the granted rate, the clients' own rate and
# the /metrics families. Then the pack's charge turns unreadable and comes
# back: said once each way, the energy side not limiting meanwhile.
. test/lib.sh
LG="$TP_BUILD/thermpace-loadgen"
ROOT="$TMPD/root"
cp -r fixtures/sysfs/jetson-nano "$ROOT"
# no rails: the load planned on stays the profile's (3.8 W idle, 0.279 J/token)
rm -rf "$ROOT/sys/bus/i2c"
lifepo4_pack "$ROOT"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# closed SOC FLOOR: the energy budget with no harvest, 24 h, no reserve
closed() { awk -v s="$1" -v f="$2" 'BEGIN { printf "%.6f", ((s - f) * 264 * 0.98 / 24 - 3.8) / 0.279 }'; }
# near A B REL: |A - B| <= REL * B
near() { awk -v a="$1" -v b="$2" -v r="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(a != "" && d <= r * b) }'; }
# events FILE KIND KEY...: one line per KIND event, its KEYs
events() {
  python3 - "$@" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e["event"] == sys.argv[2]:
        print(" ".join("null" if e.get(k) is None else str(e.get(k)) for k in sys.argv[3:]))
PY
}
tps() { sed -n 's/^thermpace-loadgen: .*, \([0-9.]*\) tokens\/s.*/\1/p' "$1" | tail -1; }
# metric FILE NAME{LABELS}: its value
metric() { awk -v n="$2" '$1 == n { print $2 }' "$1"; }
if ! command -v python3 >/dev/null 2>&1 || ! command -v curl >/dev/null 2>&1; then
  skip "attach and serve on a battery" "python3 and curl are needed"
  done_testing; exit
fi

# ---- attach: a real process on the pacing socket, held to the battery ----
want=$(closed 0.62 0.2)
RT="$TMPD/rt"
mkdir -m 700 "$RT"
port=$(free_port)
# the process exists first (attach needs its pid), then asks on the socket once it is there
sh -c "while [ ! -S '$RT/pace.sock' ]; do sleep 0.05; done; exec '$LG' -C -s '$RT/pace.sock' -n 14 -d 64 -q" \
  2>"$TMPD/att-lg.err" &
lg=$!
"$TP_BIN" attach --config none --pid $lg --root "$ROOT" --runtime-dir "$RT" --interval 0.2 \
  --reserve-hours 0 --events "$TMPD/att.jsonl" --metrics "127.0.0.1:$port" >/dev/null 2>"$TMPD/att.err" &
a=$!
M="$TMPD/att-metrics.txt"
check "attach: /metrics has the energy budget while the process runs" wait_for 10 sh -c \
  "curl -s http://127.0.0.1:$port/metrics >'$M' && grep -q '^thermpace_budget_tokens_per_second{budget=\"energy\"}' '$M'"
wait $lg
wait $a; rc=$?
check "attach: ends with the process, exit 0 ($rc)" test "$rc" = 0
check "attach: names its energy source" grep -q '^thermpace: energy budget: reading power_supply:lifepo4$' "$TMPD/att.err"
set -- $(events "$TMPD/att.jsonl" energy_budget limit tok_s soc floor mains capacity_wh | head -1)
check "attach: energy_budget says the energy side limits ($1, mains $5)" test "$1 $5" = "energy False"
check "attach: at 62 % above a 20 % floor of 264 Wh ($3, $4, $6 Wh)" test "$3 $4 $6" = "0.62 0.2 264.0"
rate=$2
check "attach: the budget is the closed form ($rate, want $want tokens/s)" near "$rate" "$want" 0.001
set -- $(events "$TMPD/att.jsonl" pace_change actuator granted_rate | head -1)
check "attach: granted on the socket at the energy budget ($1, $2)" sh -c "[ '$1' = socket ] && [ '$2' = '$rate' ]"
got=$(tps "$TMPD/att-lg.err")
check "attach: the process runs at it ($got tokens/s, budget $rate)" \
  awk -v a="$got" -v r="$rate" 'BEGIN { exit !(a != "" && a <= 1.25 * r && a >= 0.5 * r) }'
check "attach /metrics: the charge, 62 %" test "$(metric "$M" thermpace_battery_charge_percent)" = 62
check "attach /metrics: the energy budget" near "$(metric "$M" 'thermpace_budget_tokens_per_second{budget="energy"}')" "$want" 0.001
check "attach /metrics: the thermal budget unlimited (+Inf)" \
  test "$(metric "$M" 'thermpace_budget_tokens_per_second{budget="thermal"}')" = +Inf
check "attach /metrics: the granted rate is the energy budget" \
  near "$(metric "$M" 'thermpace_tokens_per_second{kind="granted"}')" "$want" 0.001

# ---- serve: two clients share the budget; the charge moves; a reload ----
RS="$TMPD/rs"
mkdir -m 700 "$RS"
port=$(free_port)
CONF="$TMPD/thermpace.ini"
write_conf() {
  # (actuator socket: a client after a reload may come later than auto's 5 s)
  printf '[daemon]\nroot = %s\nruntime_dir = %s\ninterval = 0.2\nevents = %s\nmetrics = 127.0.0.1:%s\nreserve_hours = 0\nenergy_floor = %s\n[serve]\nactuator = socket\n' \
    "$ROOT" "$RS" "$TMPD/serve.jsonl" "$port" "$1" >"$CONF"
}
write_conf 0.2
"$TP_BIN" serve --config "$CONF" >/dev/null 2>"$TMPD/serve.err" &
d=$!
check "serve: the pacing socket opens" wait_for 10 test -S "$RS/pace.sock"
"$LG" -s "$RS/pace.sock" --name a -n 10 -d 64 -q 2>"$TMPD/a.err" &
c1=$!
"$LG" -s "$RS/pace.sock" --name b -n 10 -d 64 -q 2>"$TMPD/b.err" &
c2=$!
wait $c1 $c2
M="$TMPD/serve-metrics.txt"
curl -s "http://127.0.0.1:$port/metrics" >"$M"
set -- $(events "$TMPD/serve.jsonl" energy_budget limit tok_s soc | head -1)
check "serve: energy_budget at 62 % limits on the energy side ($1, $3)" test "$1 $3" = "energy 0.62"
check "serve: the budget is the closed form ($2, want $want)" near "$2" "$want" 0.001
# together the two clients get the budget (20 tokens; each one's own time)
t1=$(sed -n 's/^thermpace-loadgen: .* \([0-9.]*\) s, .*/\1/p' "$TMPD/a.err")
t2=$(sed -n 's/^thermpace-loadgen: .* \([0-9.]*\) s, .*/\1/p' "$TMPD/b.err")
check "serve: two clients share it (20 tokens in ${t1} and ${t2} s, budget $want tokens/s)" \
  awk -v a="$t1" -v b="$t2" -v r="$want" 'BEGIN { t = a > b ? a : b; exit !(a != "" && b != "" && 20 / t <= 1.25 * r && 20 / t >= 0.6 * r) }'
check "serve /metrics: the charge, 62 %" test "$(metric "$M" thermpace_battery_charge_percent)" = 62
check "serve /metrics: the energy budget" near "$(metric "$M" 'thermpace_budget_tokens_per_second{budget="energy"}')" "$want" 0.001
check "serve /metrics: the battery's power (-5.28 W)" test "$(metric "$M" thermpace_battery_power_watts)" = -5.28

# the pack charged to 80 % while serve runs: the budget follows
echo 80 >"$B/capacity"
want80=$(closed 0.80 0.2)
check "serve: the charge read again each tick (80 % on /metrics)" wait_for 10 sh -c \
  "curl -s http://127.0.0.1:$port/metrics >'$M' && grep -q '^thermpace_battery_charge_percent 80$' '$M'"
check "serve /metrics: the energy budget at 80 % ($want80)" wait_for 10 sh -c \
  "curl -s http://127.0.0.1:$port/metrics >'$M'; v=\$(awk '\$1 == \"thermpace_budget_tokens_per_second{budget=\\\"energy\\\"}\" { print \$2 }' '$M'); awk -v a=\"\$v\" -v b=$want80 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(a != \"\" && d <= 0.001 * b) }'"
set -- $(events "$TMPD/serve.jsonl" energy_budget soc tok_s | grep '^0.8 ' | head -1)
check "serve: an energy_budget event for the move ($1, $2, want $want80)" near "$2" "$want80" 0.001

# a new floor on SIGHUP: the daemon started again on the same battery
write_conf 0.3
want30=$(closed 0.80 0.3)
kill -HUP $d
check "serve: after SIGHUP an energy_budget with the new floor" wait_for 10 sh -c \
  "grep '\"energy_budget\"' '$TMPD/serve.jsonl' | grep -q '\"floor\":0.3'"
set -- $(events "$TMPD/serve.jsonl" energy_budget floor tok_s | grep '^0.3 ' | head -1)
check "serve: the budget at 80 % above 30 % ($2, want $want30)" near "$2" "$want30" 0.001
"$LG" -s "$RS/pace.sock" --name c -n 12 -d 64 -q 2>"$TMPD/c.err"
got=$(tps "$TMPD/c.err")
check "serve: a client after the reload runs at it ($got tokens/s)" \
  awk -v a="$got" -v r="$want30" 'BEGIN { exit !(a != "" && a <= 1.25 * r && a >= 0.5 * r) }'

# the pack's charge unreadable mid-run (directories in place of its
# attributes: reads fail, as a fuel gauge's do with EIO): said once, the
# energy side stops limiting; readable again: said once, limiting again
cp -r "$B" "$TMPD/pack"
for f in capacity voltage_now current_now; do rm "$B/$f"; mkdir "$B/$f"; done
check "serve: the pack unreadable: an energy_source event, lost (after 5 s held)" wait_for 15 grep -q \
  '"energy_source","source":"power_supply:lifepo4","state":"lost","error":"lifepo4 gives no charge, nor a voltage and a current to count it from","charge_from":null' "$TMPD/serve.jsonl"
check "serve: ... said on stderr" grep -q 'warning: energy source power_supply:lifepo4 lost (lifepo4 gives no charge.*): no other source says the charge' "$TMPD/serve.err"
check "serve /metrics: ... the energy budget unlimited (+Inf)" wait_for 10 sh -c \
  "curl -s http://127.0.0.1:$port/metrics | grep -q '^thermpace_budget_tokens_per_second{budget=\"energy\"} +Inf\$'"
set -- $(events "$TMPD/serve.jsonl" energy_budget limit energy_tok_s | tail -1)
check "serve: ... energy_budget: the thermal side, no energy budget ($1 $2)" test "$1 $2" = "thermal null"
for f in capacity voltage_now current_now; do rmdir "$B/$f"; cp "$TMPD/pack/$f" "$B/$f"; done
check "serve: the pack readable again: back" wait_for 10 grep -q \
  '"energy_source","source":"power_supply:lifepo4","state":"back","charge_from":"power_supply:lifepo4"' "$TMPD/serve.jsonl"
# (the files come back one by one: a tick may see the charge before the voltage)
n=100
while [ $n -gt 0 ]; do
  curl -s "http://127.0.0.1:$port/metrics" >"$M"
  got=$(metric "$M" 'thermpace_budget_tokens_per_second{budget="energy"}')
  near "$got" "$want30" 0.001 && break
  sleep 0.1; n=$((n - 1))
done
check "serve /metrics: ... its budget again ($got, want $want30)" near "$got" "$want30" 0.001
n_ev=$(grep -c '"event":"energy_source"' "$TMPD/serve.jsonl")
n_err=$(grep -c 'energy source power_supply:lifepo4' "$TMPD/serve.err")
check "serve: ... one loss and one return said ($n_ev events, $n_err lines)" test "$n_ev $n_err" = "2 2"
kill -TERM $d; wait $d; rc=$?
check "serve: SIGTERM, exit 0 ($rc)" test "$rc" = 0
done_testing
