#!/bin/sh
# Debian's Prometheus server against a running daemon: prometheus on the
# loopback (a free port, a temporary storage directory) scrapes thermpace run
# on the Jetson Nano fixture tree every second, with the shipped rules loaded;
# a cooperative load generator makes tokens. The joules-per-token recording
# rule is read back from the HTTP query API and compared with the daemon's own
# counters. Skips when prometheus is not installed.
. test/lib.sh
LG="$TP_BUILD/thermpace-loadgen"
RULES=dist/prometheus/thermpace.rules.yml

if ! command -v prometheus >/dev/null 2>&1; then
  skip "Prometheus integration" "prometheus not installed (Debian package 'prometheus')"
  done_testing; exit $?
fi
if ! command -v curl >/dev/null 2>&1; then
  skip "Prometheus integration" "curl not installed"
  done_testing; exit $?
fi
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
mport=$(free_port)
pport=$(free_port)
while [ "$pport" = "$mport" ]; do pport=$(free_port); done
cp "$RULES" "$TMPD/thermpace.rules.yml"
cat >"$TMPD/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - $TMPD/thermpace.rules.yml
scrape_configs:
  - job_name: thermpace
    static_configs:
      - targets: ['127.0.0.1:$mport']
EOF

cp -r fixtures/sysfs/jetson-nano "$TMPD/nano"
"$TP_BIN" run --root "$TMPD/nano" --runtime-dir "$TMPD/rt" --interval 0.2 \
  --metrics "127.0.0.1:$mport" -- "$LG" -C -q -n 2400 -r 40 -d 64 >/dev/null 2>"$TMPD/run.err" &
d=$!
prometheus --config.file="$TMPD/prometheus.yml" --storage.tsdb.path="$TMPD/tsdb" \
  --web.listen-address="127.0.0.1:$pport" >"$TMPD/prom.log" 2>&1 &
p=$!
stop() {
  kill -TERM "$p" "$d" 2>/dev/null
  wait "$p" 2>/dev/null
  wait "$d" 2>/dev/null
}

# query EXPR: the first value of an instant query, empty when there is none
query() {
  curl -s -G "http://127.0.0.1:$pport/api/v1/query" --data-urlencode "query=$1" |
    python3 -c '
import json, sys
r = json.load(sys.stdin)
v = r.get("data", {}).get("result", [])
print(v[0]["value"][1] if r.get("status") == "success" and v else "")' 2>/dev/null
}
have() { [ -n "$(query "$1")" ]; }
wait_for() {
  n=$(($1 * 4)); shift
  while [ "$n" -gt 0 ]; do "$@" && return 0; sleep 0.25; n=$((n - 1)); done
  return 1
}
check "prometheus answers on 127.0.0.1:$pport" wait_for 15 \
  sh -c "curl -sf http://127.0.0.1:$pport/-/ready >/dev/null"
check "it scrapes the daemon: up{job=\"thermpace\"} = 1" wait_for 15 \
  sh -c "[ \"\$(curl -s -G http://127.0.0.1:$pport/api/v1/query --data-urlencode 'query=up{job=\"thermpace\"}' | grep -o '\"1\"\]')\" ]"
check "the joules-per-token recording rule has a value within 30 s" wait_for 30 \
  have 'instance:thermpace_joules_per_token:rate5m'
jpt=$(query 'instance:thermpace_joules_per_token:rate5m')
# the same ratio from the raw series in Prometheus, and from the daemon's own counters
raw=$(query 'sum without (rail) (rate(thermpace_energy_joules_total{rail="board"}[5m])) / rate(thermpace_tokens_total[5m])')
s1=$(curl -s "http://127.0.0.1:$mport/metrics")
sleep 3
s2=$(curl -s "http://127.0.0.1:$mport/metrics")
own=$(printf '%s\n@@\n%s\n' "$s1" "$s2" | python3 -c '
import sys
a, b = sys.stdin.read().split("@@")
def val(t, prefix):
    return float(next(l.split()[-1] for l in t.splitlines() if l.startswith(prefix)))
e = val(b, "thermpace_energy_joules_total{rail=\"board\"}") - val(a, "thermpace_energy_joules_total{rail=\"board\"}")
n = val(b, "thermpace_tokens_total ") - val(a, "thermpace_tokens_total ")
print(e / n if n > 0 else "")')
echo "# joules per token: recorded $jpt, from the raw series $raw, from the daemon's counters $own"
check "recorded and raw agree within 10 %" python3 -c "
import sys; a, b = float('$jpt'), float('$raw'); sys.exit(not abs(a - b) <= 0.1 * b)"
check "and agree with the daemon's own counters within 15 %" python3 -c "
import sys; a, b = float('$jpt'), float('${own:-nan}'); sys.exit(not abs(a - b) <= 0.15 * b)"
check "the other recording rules have values" sh -c "
  for r in instance:thermpace_board_power_watts:rate1m instance:thermpace_tokens:rate1m \
           instance:thermpace_ceiling_headroom_celsius instance:thermpace_frequency_cap:ratio; do
    [ -n \"\$(curl -s -G http://127.0.0.1:$pport/api/v1/query --data-urlencode query=\$r | grep -o '\"value\"')\" ] || { echo \"#   no value: \$r\"; exit 1; }
  done"
curl -s "http://127.0.0.1:$pport/api/v1/rules" >"$TMPD/rules.json"
check "the five alerts are loaded, healthy" python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
rules = [x for g in r["data"]["groups"] for x in g["rules"] if x["type"] == "alerting"]
names = {x["name"] for x in rules}
want = {"ThermpaceCloseToCeiling", "ThermpaceThrottling", "ThermpaceSensorFault",
        "ThermpacePacingBlind", "ThermpaceDown"}
bad = [x["name"] + ": " + x.get("lastError", "") for x in rules if x.get("health") == "err"]
print("#   " + ", ".join(sorted(names)))
sys.exit(not (want <= names and not bad))' "$TMPD/rules.json"
check "none fires on a cool board that is scraped" sh -c "
  [ -z \"\$(curl -s http://127.0.0.1:$pport/api/v1/alerts | grep -o '\"state\":\"firing\"')\" ]"
stop
grep -i 'level=error' "$TMPD/prom.log" | head -3 | sed 's/^/#   prometheus: /'
done_testing
