#!/bin/sh
# thermpace serve as a service: a real daemon process on a copy of the
# Jetson Nano fixture tree, its target a systemd unit found by its cgroup
# (a cgroup2 fixture directory), its configuration file reloaded on SIGHUP
# (a bad one kept out), everything put back on SIGTERM, and systemd's
# notifications read from a real unix datagram socket (NOTIFY_SOCKET).
. test/lib.sh
ROOT="$TMPD/root"
RT="$TMPD/rt"
cp -r fixtures/sysfs/jetson-nano "$ROOT"
CG="$ROOT/sys/fs/cgroup/system.slice/llama-server.service"
mkdir -p "$ROOT/sys/fs/cgroup/system.slice"
cp -r fixtures/actuators/cgroup2/app "$CG"
echo $$ >"$CG/cgroup.procs"
quota() { cut -d' ' -f1 "$CG/cpu.max"; }

if ! command -v python3 >/dev/null 2>&1; then
  skip "serve" "python3 is needed for the notification socket"
  done_testing; exit
fi
# systemd's side of sd_notify: one datagram per message, each line kept
cat >"$TMPD/listen.py" <<'EOP'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a", buffering=1) as f:
    while True:
        m = s.recv(4096).decode()
        f.write(m.replace("\n", "|") + "\n")
EOP
python3 "$TMPD/listen.py" "$TMPD/notify.sock" "$TMPD/notify.log" &
lp=$!
wait_for 5 test -S "$TMPD/notify.sock"

CONF="$TMPD/thermpace.ini"
write_conf() {
  cat >"$CONF" <<EOC
[daemon]
root = $ROOT
runtime_dir = $RT
interval = 0.2
events = $TMPD/events.jsonl
fixed_setting = $1
[serve]
unit = llama-server
session_dir = $TMPD/sessions
EOC
}
write_conf 0.25
NOTIFY_SOCKET="$TMPD/notify.sock" WATCHDOG_USEC=400000 \
  "$TP_BIN" serve --config "$CONF" >"$TMPD/out" 2>"$TMPD/err" &
d=$!
check "READY=1 once it runs" wait_for 10 grep -qs '^READY=1|STATUS=board jetson-nano' "$TMPD/notify.log"
check "the unit's cgroup is found" grep -q "unit llama-server: governing cgroup $CG\$" "$TMPD/err"
check "its cpu.max is capped" wait_for 5 sh -c "! grep -q '^max ' '$CG/cpu.max'"
q1=$(quota)
check "WATCHDOG=1 every half WatchdogSec" wait_for 3 sh -c "[ \$(grep -c '^WATCHDOG=1' '$TMPD/notify.log') -ge 3 ]"
check "STATUS says the temperature and the ceiling" \
  grep -qE 'STATUS=board jetson-nano, temp.cpu [0-9.]+ C \(ceiling [0-9.]+ C\)' "$TMPD/notify.log"

# a good reload: a new setting, a new session, READY again
write_conf 0.5
n_ready=$(grep -c '^READY=1' "$TMPD/notify.log")
kill -HUP $d
check "SIGHUP: RELOADING=1" wait_for 5 grep -q '^RELOADING=1' "$TMPD/notify.log"
check "SIGHUP: READY=1 again" wait_for 5 sh -c "[ \$(grep -c '^READY=1' '$TMPD/notify.log') -gt $n_ready ]"
check "SIGHUP: the new setting applies" wait_for 5 sh -c "[ \"\$(cut -d' ' -f1 '$CG/cpu.max')\" != '$q1' ]"
q2=$(quota)
check "SIGHUP: a second session" wait_for 5 sh -c "[ \$(ls '$TMPD/sessions' | wc -l) = 2 ]"

# a bad reload is kept out, said with its line
printf 'ceilng_c = 70\n' >>"$CONF"
kill -HUP $d
check "a bad file is said as FILE:LINE: why" \
  wait_for 5 grep -q "^thermpace: $CONF:10: unknown key 'ceilng_c' in \[serve\]\$" "$TMPD/err"
check "and the configuration in use kept" grep -q 'the configuration in use is kept' "$TMPD/err"
sleep 0.5
check "the daemon still runs" kill -0 $d
check "the setting stays" test "$(quota)" = "$q2"
check "still one session per start" test "$(ls "$TMPD/sessions" | wc -l)" = 2

# SIGTERM puts everything back
kill -TERM $d; wait $d; rc=$?
check "SIGTERM: exit status 0 ($rc)" test "$rc" = 0
check "SIGTERM: cpu.max put back" test "$(cat "$CG/cpu.max")" = "max 100000"
check "SIGTERM: STOPPING=1" grep -q '^STOPPING=1' "$TMPD/notify.log"
check "SIGTERM: no state file left" sh -c "! ls '$RT'/state-*.json 2>/dev/null | grep -q ."
check "events appended across the reload (2 session_start)" \
  test "$(grep -c '"session_start"' "$TMPD/events.jsonl")" = 2
for s in "$TMPD"/sessions/*; do
  expect_exit 0 "session ${s##*/} replays" "$TP_BIN" replay "$s"
  check "... with its session_start" grep -q '"session_start"' "$TMPD/out"
  check "... its manifest complete" grep -q '^state = complete' "$s/manifest.ini"
done
kill $lp 2>/dev/null; wait $lp 2>/dev/null

# a cooperative client stays connected across a reload on the same socket
C2="$TMPD/coop.ini"
printf '[daemon]\nroot = %s\nruntime_dir = %s\ninterval = 0.2\nfixed_rate = %s\n[serve]\nsession_dir = %s\n' \
  "$ROOT" "$TMPD/rt2" 20 "$TMPD/co" >"$C2"
"$TP_BIN" serve --config "$C2" >/dev/null 2>"$TMPD/err3" &
d=$!
wait_for 5 test -S "$TMPD/rt2/pace.sock"
"$TP_BUILD/thermpace-loadgen" -s "$TMPD/rt2/pace.sock" -q -n 0 -d 64 >/dev/null 2>"$TMPD/lg.err" &
lg=$!
sleep 1
sed -i 's/^fixed_rate = 20$/fixed_rate = 40/' "$C2"
kill -HUP $d
check "reload: a second session" wait_for 5 sh -c "[ \$(ls '$TMPD/co' | wc -l) = 2 ]"
sleep 1.5
check "the client still runs" kill -0 $lg
check "... without an error from its socket" sh -c "! grep -qi 'error\|reset\|broken' '$TMPD/lg.err'"
last=$(ls -d "$TMPD"/co/* | tail -1)
tok_col=$(grep -v '^#' "$last/telemetry.csv" | head -1 | tr ',' '\n' | grep -n '^tokens\.total$' | cut -d: -f1)
n2=$(tail -1 "$last/telemetry.csv" | cut -d, -f"$tok_col")
check "its tokens are counted after the reload ($n2 in the second session)" \
  awk -v n="$n2" 'BEGIN { exit !(n + 0 > 0) }'
# a board that does not exist is a bad file: kept out
cp "$C2" "$TMPD/coop.good"
sed -i 's/^interval = 0.2$/interval = 0.2\nboard = no-such-board/' "$C2"
kill -HUP $d
check "a board that does not exist: refused as a bad file" \
  wait_for 5 grep -q "serve: unknown board 'no-such-board'" "$TMPD/err3"
# good options that do not start (a PCM that does not exist): the ones before run again
cp "$TMPD/coop.good" "$C2"
sed -i 's/^interval = 0.2$/interval = 0.2\ndevice = no_such_pcm/' "$C2"
kill -HUP $d
check "a PCM that does not open: back to the configuration before" \
  wait_for 5 grep -q 'did not start; back to the one before' "$TMPD/err3"
sleep 0.5
check "... and it runs" kill -0 $d
kill -TERM $d; wait $d; rc=$?
check "... and ends cleanly ($rc)" test "$rc" = 0
kill $lg 2>/dev/null; wait $lg 2>/dev/null

# sessions rotated: a new one every second, each whole and replayable
"$TP_BIN" serve --config none --root "$ROOT" --runtime-dir "$RT" --interval 0.2 \
  --session-dir "$TMPD/rot" --session-rotate 1 >/dev/null 2>&1 &
d=$!
check "--session-rotate 1: a third session within 3 s" wait_for 3 sh -c "[ \$(ls '$TMPD/rot' 2>/dev/null | wc -l) -ge 3 ]"
kill -TERM $d; wait $d
n=$(ls "$TMPD/rot" | wc -l)
check "every one but the last stopped by rotate" test "$(grep -l '^stop = rotate' "$TMPD"/rot/*/manifest.ini | wc -l)" = $((n - 1))
check "the last by the signal" grep -q '^stop = signal' "$(ls -d "$TMPD"/rot/* | tail -1)/manifest.ini"
ok_all=1
for s in "$TMPD"/rot/*; do "$TP_BIN" replay "$s" >/dev/null 2>&1 || ok_all=0; done
check "each of the $n replays" test $ok_all = 1
check "the rows follow on: no row lost or repeated at a rotation" sh -c \
  "cat '$TMPD'/rot/*/telemetry.csv | grep -v '^[#t]' | cut -d, -f1 | sort -n -c 2>/dev/null && [ \$(cat '$TMPD'/rot/*/telemetry.csv | grep -v '^[#t]' | cut -d, -f1 | sort -u | wc -l) = \$(cat '$TMPD'/rot/*/telemetry.csv | grep -vc '^[#t]') ]"
expect_exit 2 "--session-rotate 0.5 is refused" "$TP_BIN" serve --config none --session-rotate 0.5

# the unit found deeper (a user service), or not at all
U="$ROOT/sys/fs/cgroup/user.slice/user-1000.slice/user@1000.service/app.slice/chat.service"
mkdir -p "$U"
cp fixtures/actuators/cgroup2/app/cpu.max "$U/"
"$TP_BIN" serve --config none --root "$ROOT" --runtime-dir "$RT" --interval 0.2 \
  --unit chat.service --actuator socket >/dev/null 2>"$TMPD/err2" &
d=$!
check "a user unit is found under user.slice" wait_for 5 grep -q "governing cgroup $U\$" "$TMPD/err2"
kill -TERM $d; wait $d
# a unit that does not run yet is waited for, governed once it runs, waited for again when it stops
LS="$ROOT/sys/fs/cgroup/system.slice/later.service"
"$TP_BIN" serve --config none --root "$ROOT" --runtime-dir "$RT" --interval 0.2 \
  --unit later.service --fixed-setting 0.25 >/dev/null 2>"$TMPD/err4" &
d=$!
check "a unit that does not run: waited for" wait_for 5 grep -qs "unit later.service does not run .*waiting for it" "$TMPD/err4"
check "... the service runs meanwhile" kill -0 $d
cp -r fixtures/actuators/cgroup2/app "$LS"
echo $$ >"$LS/cgroup.procs"
check "once it runs, governed" wait_for 5 grep -q "governing cgroup $LS\$" "$TMPD/err4"
check "... its cpu.max capped" wait_for 5 sh -c "! grep -q '^max ' '$LS/cpu.max'"
rm -rf "$LS"
check "when it stops, waited for again" wait_for 5 grep -q "unit later.service stopped" "$TMPD/err4"
check "... the service still runs" kill -0 $d
kill -TERM $d; wait $d; rc=$?
check "... and ends cleanly ($rc)" test "$rc" = 0
expect_exit 1 "a name systemd would refuse" "$TP_BIN" serve --config none --root "$ROOT" \
  --runtime-dir "$RT" --unit '../x'
expect_exit 2 "two targets" "$TP_BIN" serve --config none --pid 1 --unit x.service
expect_exit 2 "an operand" "$TP_BIN" serve --config none extra

# --scenario: the daemon on a simulated plant, 60 board seconds a wall second,
# driven by a cooperative client's tokens; kept across a reload; its score at the end
RS="$TMPD/rs"
mkdir -p "$RS"
"$TP_BIN" serve --config none --scenario fixtures/scenarios/default.ini --speed 60 \
  --runtime-dir "$RS" --actuator socket --events "$TMPD/sim-ev.jsonl" \
  >"$TMPD/score.json" 2>"$TMPD/sim-err" &
d=$!
check "a simulated board: the socket opens" wait_for 5 test -S "$RS/pace.sock"
TP_LG="${TP_BUILD:-build/rel}/thermpace-loadgen"
"$TP_LG" --socket "$RS/pace.sock" --tokens 0 --quiet >/dev/null 2>&1 &
lg=$!
sleep 1.5
kill -HUP $d
sleep 1.5
kill -TERM $lg; wait $lg
kill -TERM $d; wait $d; rc=$?
check "... ends cleanly ($rc)" test "$rc" = 0
check "... no warning about the simulator's profile" sh -c "! grep -q 'simulator' '$TMPD/sim-err'"
check "... its score on stdout" python3 - "$TMPD/score.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
# about 3 wall s at 60x, across the reload: the plant ran on
assert d["speed"] == 60 and d["duration_s"] > 120, d
assert d["tokens"] > 0 and abs(d["tokens"] - 60 * d["child_tokens"]) < 60 * 20, d
assert d["seconds_above_ceiling"] == 0 and d["peak_die_c"] > 0 and d["energy_true_j"] > 0, d
PY
check "... the events on the board's clock" python3 - "$TMPD/sim-ev.jsonl" <<'PY'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
starts = [e for e in ev if e["event"] == "session_start"]
assert len(starts) == 2 and starts[0]["board"] == "sim", starts
assert max(e["t"] for e in ev) > 40, max(e["t"] for e in ev)
PY
expect_exit 2 "--speed 0 is refused" "$TP_BIN" serve --config none \
  --scenario fixtures/scenarios/default.ini --speed 0
check "... in one line" test "$(wc -l <"$TMPD/err")" = 1
expect_exit 2 "--speed without --scenario" "$TP_BIN" serve --config none --speed 60
expect_exit 2 "--scenario with --root" "$TP_BIN" serve --config none --root "$ROOT" \
  --scenario fixtures/scenarios/default.ini
expect_exit 2 "--scenario that is not a file" "$TP_BIN" serve --config none --scenario "$TMPD/none.ini"
expect_exit 2 "--scenario is for serve" "$TP_BIN" run --config none --scenario x -- true
expect_exit 0 "--help" "$TP_BIN" serve --help
check "... names --unit" grep -q -- '--unit NAME' "$TMPD/out"
done_testing
