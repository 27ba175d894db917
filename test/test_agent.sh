#!/bin/sh
# The HAProxy agent check of `thermpace run --agent`: a real daemon over a
# sysfs fixture tree whose temperatures the test moves, asked over TCP as
# HAProxy asks (agent-send first, one line back): the weight, a drain near
# the ceiling, down when blind, each change an agent_state event.
. test/lib.sh
LG=$TP_BUILD/thermpace-loadgen
cp -r fixtures/sysfs/jetson-nano "$TMPD/root"
zone=$TMPD/root/sys/class/thermal/thermal_zone1 # CPU-therm, the Nano's control zone

# ask PORT: the agent's one line, or nothing when nobody answers
ask() {
  python3 - "$1" <<'PY'
import socket, sys
try:
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2)
    s.sendall(b"board\n")
    out = b""
    while True:
        b = s.recv(256)
        if not b:
            break
        out += b
    sys.stdout.write(out.decode())
except OSError:
    pass
PY
}
# wait_answer PORT REGEX: up to 15 s for an answer matching REGEX; last answer in $TMPD/ans
wait_answer() {
  i=0
  while [ $i -lt 60 ]; do
    ask "$1" >"$TMPD/ans"
    grep -Eq "$2" "$TMPD/ans" && return 0
    sleep 0.25; i=$((i + 1))
  done
  return 1
}

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$TP_BIN" run --root "$TMPD/root" --runtime-dir "$TMPD/rt" --fixed-rate 20 --agent ":$port" \
  --agent-hold 1 --interval 0.2 --events "$TMPD/ev.jsonl" -- \
  "$LG" --cooperative --quiet --dim 64 --tokens 0 >/dev/null 2>"$TMPD/run.err" &
pid=$!
if wait_answer "$port" '^up ready [0-9]+%$'; then ok "a cool board answers up ready with a weight ($(cat "$TMPD/ans"))"; else not_ok "no up answer: '$(cat "$TMPD/ans")'"; sed 's/^/#   /' "$TMPD/run.err"; fi
echo 79500 >"$zone/temp" # 0.5 K under the 80 C ceiling
if wait_answer "$port" '^drain #'; then ok "near the ceiling: drain ($(cat "$TMPD/ans"))"; else not_ok "no drain: '$(cat "$TMPD/ans")'"; fi
echo 40000 >"$zone/temp"
if wait_answer "$port" '^up ready [0-9]+%$'; then ok "cool again: up ready after the hold"; else not_ok "no recovery: '$(cat "$TMPD/ans")'"; fi
: >"$zone/temp" # the sensor reads nothing (its descriptor is kept open: no rename)
if wait_answer "$port" '^down #blind'; then ok "no temperature: down ($(cat "$TMPD/ans"))"; else not_ok "no down when blind: '$(cat "$TMPD/ans")'"; fi
kill -TERM "$pid"; wait "$pid"
n=$(grep -c '"event":"agent_state"' "$TMPD/ev.jsonl")
check "every change an agent_state event ($n)" [ "$n" -ge 4 ]
check "the drain's event says why" grep -q '"state":"drain","before":"up".*"reason":"[0-9.]* C under the ceiling' "$TMPD/ev.jsonl"
check "the blind one too" grep -q '"state":"down",.*"reason":"blind' "$TMPD/ev.jsonl"
# serve governing a process: up while it runs, down once it is gone (the
# inference server); the address from the configuration file's [daemon]
sleep 300 &
tgt=$!
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cp -r fixtures/sysfs/jetson-nano "$TMPD/root2"
printf '[daemon]\nagent = 127.0.0.1:%s\nagent_hold = 1\n' "$port" >"$TMPD/tp.ini"
"$TP_BIN" serve --config "$TMPD/tp.ini" --root "$TMPD/root2" --runtime-dir "$TMPD/rt2" \
  --interval 0.2 --pid "$tgt" --actuator socket >/dev/null 2>"$TMPD/serve.err" &
sp=$!
if wait_answer "$port" '^up ready [0-9]+%$'; then ok "serve: up ready while the process runs"; else not_ok "serve: no up answer: '$(cat "$TMPD/ans")'"; sed 's/^/#   /' "$TMPD/serve.err"; fi
kill "$tgt"; wait "$tgt" 2>/dev/null
if wait_answer "$port" '^down #the inference process is gone'; then ok "serve: down once it is gone"; else not_ok "serve: no down: '$(cat "$TMPD/ans")'"; fi
kill -TERM "$sp"; wait "$sp"
# the inference server stops answering (SIGSTOP: the kernel still accepts
# its connections, nothing answers): down once its scrapes have failed
# TP_PACE_TOKENS_DOWN_FAILS (3) times in a row, up again after SIGCONT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
hport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cp -r fixtures/sysfs/jetson-nano "$TMPD/root3"
"$TP_BIN" run --root "$TMPD/root3" --runtime-dir "$TMPD/rt3" --fixed-rate 50 --agent ":$port" \
  --agent-hold 1 --interval 0.2 --actuator socket --llama-server "http://127.0.0.1:$hport/metrics" \
  --events "$TMPD/ev3.jsonl" -- "$LG" --cooperative --quiet --dim 64 --http ":$hport" \
  >/dev/null 2>"$TMPD/run3.err" &
rp=$!
if wait_answer "$port" '^up ready [0-9]+%$'; then ok "a llama-server stand-in answering: up ready"; else not_ok "no up answer: '$(cat "$TMPD/ans")'"; sed 's/^/#   /' "$TMPD/run3.err"; fi
check "its /metrics scraped for the tokens" grep -q '"event":"token_source","source":"llama-server"' "$TMPD/ev3.jsonl"
# the stand-in's pid (run's child sits under the guardian's process tree): argv[0] and its port
srv=$(python3 - "$hport" <<'PY'
import os, sys
for p in os.listdir("/proc"):
    try:
        a = open("/proc/%s/cmdline" % p, "rb").read().split(b"\0")
    except (OSError, ValueError):
        continue
    if a[0].endswith(b"thermpace-loadgen") and (":" + sys.argv[1]).encode() in a:
        print(p)
PY
)
t0=$(date +%s)
kill -STOP "$srv"
if wait_answer "$port" '^down #the inference server does not answer \(3 scrapes failed: timed out\)$'; then
  ok "stopped (accepts, never answers): down in $(($(date +%s) - t0)) s ($(cat "$TMPD/ans"))"
else not_ok "no down for a stopped server: '$(cat "$TMPD/ans")'"; fi
kill -CONT "$srv"
if wait_answer "$port" '^up ready [0-9]+%$'; then ok "answering again: up ready"; else not_ok "no recovery after SIGCONT: '$(cat "$TMPD/ans")'"; fi
kill -TERM "$rp"; wait "$rp"; grep agent_state "$TMPD/ev3.jsonl" | sed "s/^/#   /"
check "the down's event says why" grep -q '"state":"down","before":"up".*"reason":"the inference server does not answer (3 scrapes failed: timed out)"' "$TMPD/ev3.jsonl"
check "and the recovery's" grep -q '"state":"up","before":"down".*"reason":"recovered"' "$TMPD/ev3.jsonl"
# the energy floor: the LiFePO4 pack of fixtures/power_supply (20 Ah at
# 12.8 V) beside the Nano's tree, on battery; at the budget's 20 % floor the
# agent drains (the weight already the energy budget's), charged it comes back
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cp -r fixtures/sysfs/jetson-nano "$TMPD/root4"
rm -rf "$TMPD/root4/sys/bus/i2c" # no rails: the profile's energy per token
mkdir -p "$TMPD/root4/sys/class/power_supply"
cp -r fixtures/power_supply/sys/class/power_supply/lifepo4 fixtures/power_supply/sys/class/power_supply/AC \
  "$TMPD/root4/sys/class/power_supply/"
bat=$TMPD/root4/sys/class/power_supply/lifepo4
echo Discharging >"$bat/status"
echo 0 >"$TMPD/root4/sys/class/power_supply/AC/online"
echo 20 >"$bat/capacity"
"$TP_BIN" run --root "$TMPD/root4" --runtime-dir "$TMPD/rt4" --battery lifepo4 --reserve-hours 0 \
  --agent ":$port" --agent-hold 1 --interval 0.2 --events "$TMPD/ev4.jsonl" -- \
  "$LG" --cooperative --quiet --dim 64 --tokens 0 >/dev/null 2>"$TMPD/run4.err" &
ep=$!
if wait_answer "$port" '^drain #battery 20% at its 20% energy floor'; then ok "at the energy floor: drain ($(cat "$TMPD/ans"))"; else not_ok "no drain at the energy floor: '$(cat "$TMPD/ans")'"; sed 's/^/#   /' "$TMPD/run4.err"; fi
echo 62 >"$bat/capacity"
if wait_answer "$port" '^up ready [0-9]+%$'; then ok "charged: up ready ($(cat "$TMPD/ans"))"; else not_ok "no recovery above the floor: '$(cat "$TMPD/ans")'"; fi
w=$(sed -n 's/^up ready \([0-9]*\)%$/\1/p' "$TMPD/ans")
kill -TERM "$ep"; wait "$ep"
check "the drain's event says why, with the charge and the floor" \
  grep -q '"state":"drain",.*"reason":"battery 20% at its 20% energy floor.*"soc":0.2,"floor_soc":0.2' "$TMPD/ev4.jsonl"
check "the weight is the energy budget's over the nominal rate ($w%)" python3 - "$TMPD/ev4.jsonl" <<'PY'
import json, sys
e = [json.loads(l) for l in open(sys.argv[1]) if '"agent_state"' in l][-1]
assert e["state"] == "up" and e["energy_rate"] is not None, e
assert abs(e["weight_pct"] - 100 * e["energy_rate"] / e["nominal_rate"]) <= 1, e
PY
expect_exit 2 "a bad --agent address: exit 2" "$TP_BIN" run --agent localhost -- true
check "... with one line naming it" grep -q "^thermpace: run: --agent wants HOST:PORT.*'localhost'" "$TMPD/err"
sed 's/^/#   /' "$TMPD/err"
done_testing
