#!/bin/sh
# The shipped Prometheus rules and Grafana dashboard (dist/): promtool check
# rules and promtool test rules on the rules; the dashboard is valid JSON; and
# every metric name an expression of either uses exists in the live /metrics
# of a running daemon (the Jetson Nano tree, a microphone, a token-making
# child) or is one of the recording rules, so a renamed metric cannot leave
# them behind.
. test/lib.sh
LG="$TP_BUILD/thermpace-loadgen"
RULES=dist/prometheus/thermpace.rules.yml
DASH=dist/grafana/thermpace.json

if command -v promtool >/dev/null 2>&1; then
  expect_exit 0 "promtool check rules $RULES" promtool check rules "$RULES"
  sed 's/^/#   /' "$TMPD/out" | tail -2
  # run from dist/prometheus: the test file names the rules relative to itself
  expect_exit 0 "promtool test rules: recording rules and alerts" \
    sh -c 'cd dist/prometheus && promtool test rules thermpace.rules.test.yml'
  sed 's/^/#   /' "$TMPD/out" "$TMPD/err" | head -20
  # the tests can fail: a wrong joules per token is caught
  sed 's/value: 0.5$/value: 0.25/' dist/prometheus/thermpace.rules.test.yml >"$TMPD/t.yml"
  cp "$RULES" "$TMPD/"
  expect_exit 1 "promtool test rules fails on a wrong expectation" \
    sh -c "cd '$TMPD' && promtool test rules t.yml"
else
  skip "promtool check rules and test rules" "promtool not installed (Debian package 'prometheus')"
fi

check "the dashboard is valid JSON" python3 -m json.tool "$DASH" /dev/null

if ! command -v curl >/dev/null 2>&1; then
  skip "metric names against live output" "curl not installed"
  done_testing; exit $?
fi
# ---- a live daemon with every channel kind it can have ----
alsa_fixture_wav fixtures/audio/computer-fan-hum-48k.wav
cp -r fixtures/sysfs/jetson-nano "$TMPD/nano"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
M="$TMPD/live.txt"
"$TP_BIN" run --root "$TMPD/nano" --runtime-dir "$TMPD/rt" --interval 0.2 --device fixture \
  --metrics "127.0.0.1:$port" --agent 127.0.0.1:0 -- "$LG" -C -q -n 400 -r 40 -d 64 >/dev/null 2>&1 &
d=$!
full() { curl -s "http://127.0.0.1:$port/metrics" >"$M" && grep -q '^thermpace_acoustic_rms' "$M" &&
  grep -q '^thermpace_forecast_temperature_celsius' "$M" && grep -q '^thermpace_tokens_total [1-9]' "$M" &&
  grep -q '^thermpace_agent_state' "$M"; }
n=200
while [ $n -gt 0 ] && ! full; do sleep 0.05; n=$((n - 1)); done
kill -TERM "$d" 2>/dev/null; wait "$d"
check "a live scrape with audio, forecast and tokens" test "$n" -gt 0

check "every metric name in the rules and the dashboard is live or recorded" \
  tools/check-prom-names "$M" "$RULES" "$DASH"
# the check can fail: a dashboard naming the old abbreviated metric is caught
sed 's/thermpace_time_to_ceiling_seconds/thermpace_forecast_time_to_ceiling_s/' "$DASH" >"$TMPD/old.json"
check "the name check catches a metric that is not exported" \
  sh -c "! tools/check-prom-names '$M' '$RULES' '$TMPD/old.json' >'$TMPD/names.out'"
check "and names it" grep -q 'thermpace_forecast_time_to_ceiling_s' "$TMPD/names.out"
done_testing
