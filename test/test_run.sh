#!/bin/sh
# thermpace run / attach / restore with real child processes, real signals
# and sockets, on copies of the Jetson Nano fixture tree (cpufreq caps are
# written there, never into fixtures/).
. test/lib.sh
LG="$TP_BUILD/thermpace-loadgen"
FX=fixtures/sysfs/jetson-nano
ROOT="$TMPD/root"
RT="$TMPD/rt"
cp -r "$FX" "$ROOT"
MAXF="$ROOT/sys/devices/system/cpu/cpufreq/policy0/scaling_max_freq"
# "$RUN" ... & gives the daemon's own pid in $! (a shell function would not)
RUN="$TP_BIN run --root $ROOT --runtime-dir $RT --interval 0.2"
run() { $RUN "$@"; }

# children PID: the child processes of PID
children() { cat "/proc/$1/task/$1/children" 2>/dev/null; }
# the child of the daemon that is not its guardian
inference_child() {
  for c in $(children "$1"); do
    [ "$(cat /proc/$c/comm 2>/dev/null)" = thermpace-guard ] || { echo "$c"; return 0; }
  done
  return 1
}
guardian_of() {
  for c in $(children "$1"); do
    [ "$(cat /proc/$c/comm 2>/dev/null)" = thermpace-guard ] && { echo "$c"; return 0; }
  done
  return 1
}
proc_state() { sed 's/.*) \(.\).*/\1/' "/proc/$1/stat" 2>/dev/null; }
is_stopped() { [ "$(proc_state "$1")" = T ]; }
is_running() { s=$(proc_state "$1"); [ -n "$s" ] && [ "$s" != T ]; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null; }
capped() { [ "$(cat "$MAXF")" != 1479000 ]; }
uncapped() { [ "$(cat "$MAXF")" = 1479000 ]; }
no_state() { ! ls "$RT"/state-*.json >/dev/null 2>&1; }

# ---- arguments ----
expect_exit 0 "run --help" "$TP_BIN" run --help
check "run --help names the options" grep -q -- '--actuator' "$TMPD/out"
expect_exit 2 "run without a command" "$TP_BIN" run --board jetson-nano
check "says what is missing" grep -q 'no command given' "$TMPD/err"
expect_exit 2 "run with a bad actuator" "$TP_BIN" run --actuator turbo -- true
check "one line on stderr" test "$(wc -l <"$TMPD/err")" = 1
expect_exit 2 "run with an unknown option" "$TP_BIN" run --frobnicate -- true
expect_exit 2 "run with a bad interval" "$TP_BIN" run --interval 0 -- true
expect_exit 0 "attach --help" "$TP_BIN" attach --help
expect_exit 2 "attach without a target" "$TP_BIN" attach
expect_exit 2 "attach with both targets" "$TP_BIN" attach --pid 2 --cgroup /x
expect_exit 0 "restore --help" "$TP_BIN" restore --help
expect_exit 2 "restore with an argument" "$TP_BIN" restore extra
expect_exit 2 "run on an unknown board: a bad argument" run --board no-such-board -- true

# ---- exit status and output ----
expect_exit 7 "exit status is the command's" run -- sh -c 'exit 7'
check "summary line on stderr" grep -q '^thermpace: .* tokens, .* J, .* s, peak .* C, .* throttle events$' "$TMPD/err"
expect_exit 143 "killed by SIGTERM: 128 + 15" run -- sh -c 'kill -TERM $$'
expect_exit 127 "a command that does not exist: 127" run -- /nonexistent/llm
check "says it cannot run it" grep -q "cannot run '/nonexistent/llm'" "$TMPD/err"
printf 'a line\nno newline\000binary\377 end' >"$TMPD/bytes"
run -- cat "$TMPD/bytes" >"$TMPD/passed" 2>/dev/null
check "output passes through untouched" cmp -s "$TMPD/bytes" "$TMPD/passed"
run -- sh -c 'echo to-stderr >&2' >/dev/null 2>"$TMPD/err2"
check "stderr passes through" grep -q '^to-stderr$' "$TMPD/err2"

# ---- token counting ----
expect_exit 0 "llama-cli lines counted" run --events "$TMPD/ev1.jsonl" -- "$LG" -n 30 -d 256
check "summary counts 30 tokens" grep -q '^thermpace: 30 tokens' "$TMPD/err"
check "the child's timing line passed through" grep -q 'eval time = .* / *29 runs' "$TMPD/err"
check "a call's energy_summary from llama-cli" \
  grep -q '"event":"energy_summary","scope":"call","call":1,"source":"llama-cli".*"tokens":30' "$TMPD/ev1.jsonl"
check "the session's energy_summary" grep -q '"event":"energy_summary","duration_s"' "$TMPD/ev1.jsonl"
expect_exit 0 "cooperative tokens counted" run --events "$TMPD/ev2.jsonl" -- "$LG" -C -n 25 -c 3 -g 0.3 -d 256 -q
check "summary counts 75 tokens" grep -q '^thermpace: 75 tokens' "$TMPD/err"
expect_exit 0 "run --json: the summary as JSON" run --json -- "$LG" -C -n 25 -c 2 -g 0.2 -d 256 -q
check "run --json: one JSON object with the tokens, energy and duration" python3 -c '
import json, sys
d = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
assert d["tokens"] == 50 and d["energy_j"] > 0 and d["duration_s"] > 0 and d["throttle_events"] == 0, d
assert d["j_per_token"] > 0 and d["peak_c"] == 31.5, d
' "$TMPD/err"
check "three calls, one energy_summary each" \
  test "$(grep -c '"scope":"call",.*"source":"socket","t_start".*"tokens":25' "$TMPD/ev2.jsonl")" = 3
check "the first pace_change says why" grep -q '"event":"pace_change".*"reason":' "$TMPD/ev2.jsonl"
start=$(date +%s%N)
expect_exit 0 "a fixed granted rate paces the client" run --fixed-rate 40 -- "$LG" -C -n 40 -d 64 -q
el=$((($(date +%s%N) - start) / 1000000))
check "40 tokens at 40/s take about a second (loose: 0.9 .. 8 s, took ${el} ms)" \
  test "$el" -ge 900 -a "$el" -le 8000
check "state file removed at the end" no_state

# ---- blind: no temperature never starves the process ----
# tokens/s of a run: the loadgen's own closing line
tps() { sed -n 's/^thermpace-loadgen: .*, \([0-9.]*\) tokens\/s.*/\1/p' "$1" | tail -1; }
# nothing measured at all (an empty tree): unpaced, said once. Throughput on
# a shared machine varies: each try runs unpaced right before; 3 tries at most
mkdir -p "$TMPD/bare/sys"
tries=0
while [ $tries -lt 3 ]; do
  tries=$((tries + 1))
  "$LG" -n 6000 -d 512 -q 2>"$TMPD/unpaced.err"
  base=$(tps "$TMPD/unpaced.err")
  rm -f "$TMPD/blind1.jsonl"
  expect_exit 0 "no sensor at all, signal actuator (try $tries)" "$TP_BIN" run --root "$TMPD/bare" \
    --runtime-dir "$RT" --interval 0.2 --board jetson-nano --actuator signal --duty-period 0.2 \
    --events "$TMPD/blind1.jsonl" -- "$LG" -n 6000 -d 512 -q
  got=$(tps "$TMPD/err")
  awk -v a="$got" -v b="$base" 'BEGIN { exit !(a >= 0.8 * b) }' && break
done
check "blind: throughput $got tokens/s >= 80 % of unpaced $base (try $tries)" \
  awk -v a="$got" -v b="$base" 'BEGIN { exit !(a >= 0.8 * b) }'
check "blind: a pacing_blind event, once" test "$(grep -c '"event":"pacing_blind"' "$TMPD/blind1.jsonl")" = 1
check "blind: it says it stops pacing" grep -q '"pacing_blind".*"action":"unpaced: nothing measured"' "$TMPD/blind1.jsonl"
check "blind: said on stderr" grep -q 'warning: pacing blind (no temperature channel.*unpaced' "$TMPD/err"
check "no power: the summary says n/a, never nan" grep -q '^thermpace: 6000 tokens, n/a J (no power measured), n/a J/token, .* peak unknown C' "$TMPD/err"
check "no power: the call's energy is null" grep -q '"scope":"call".*"energy_j":null' "$TMPD/blind1.jsonl"
check "no nan anywhere in the summary" sh -c "! grep -q nan '$TMPD/err'"
# power measured, no temperature (the Nano tree without its thermal zones)
cp -r "$FX" "$TMPD/notemp"
rm -rf "$TMPD/notemp/sys/class/thermal" "$TMPD/notemp/sys/devices/virtual/thermal"
expect_exit 0 "power but no temperature, signal actuator" "$TP_BIN" run --root "$TMPD/notemp" \
  --runtime-dir "$RT" --interval 0.2 --actuator signal --duty-period 0.2 \
  --events "$TMPD/blind2.jsonl" -- "$LG" -n 6000 -d 512 -q
got=$(tps "$TMPD/err")
# the safe budget (7.2 of 7.5 W here) may pace a little: far from a freeze
check "power, no temperature: throughput $got tokens/s >= 50 % of unpaced $base" \
  awk -v a="$got" -v b="$base" 'BEGIN { exit !(a >= 0.5 * b) }'
check "power, no temperature: the safe budget held" \
  grep -q '"pacing_blind".*"power_measured":true' "$TMPD/blind2.jsonl"
check "power, no temperature: no rate 0 granted" sh -c "! grep -q '\"rate_to\":0.0,' '$TMPD/blind2.jsonl'"
expect_exit 0 "the simulator's board on a real tree" "$TP_BIN" run --root "$TMPD/bare" --runtime-dir "$RT" \
  --interval 0.2 --board sim -- true
check "--board sim without a simulator is warned" grep -q "warning: board 'sim' is the simulator's profile" "$TMPD/err"

# ---- restore on each exit the daemon can catch ----
for sig in INT TERM HUP; do
  $RUN --actuator cpufreq --fixed-setting 0 -- "$LG" -n 0 -d 64 -q >/dev/null 2>"$TMPD/err.$sig" &
  d=$!
  if wait_for 10 capped; then
    kill -$sig $d; wait $d; rc=$?
    check "SIG$sig: cap restored" uncapped
    check "SIG$sig: state file removed" no_state
    case $sig in INT) want=130 ;; TERM) want=143 ;; HUP) want=129 ;; esac
    check "SIG$sig: forwarded to the child, its status returned ($rc)" test "$rc" = "$want"
  else
    kill -TERM $d 2>/dev/null; wait $d; not_ok "SIG$sig: the cap was never applied"
  fi
done
run --actuator cpufreq --fixed-setting 0.5 -- "$LG" -n 20 -d 64 -q >/dev/null 2>&1
check "child exit: cap restored" uncapped
check "child exit: state file removed" no_state
# an error after a change: the cgroup2 fixture has no cpu.max in the group it
# makes (no kernel to create it), so the actuator fails after enabling +cpu
cp -r fixtures/actuators/cgroup2 "$TMPD/cg2"
expect_exit 1 "error while setting up the cgroup" run --actuator cgroup --cgroup-root "$TMPD/cg2" -- true
check "error: the controller handed back" test "$(cat "$TMPD/cg2/cgroup.subtree_control")" = "-cpu"
check "error: the group removed" sh -c "! ls -d '$TMPD'/cg2/thermpace-* 2>/dev/null"
check "error: state file removed" no_state

# ---- SIGKILL: the guardian continues a stopped child ----
$RUN --actuator signal --fixed-setting 0.05 --duty-period 4 -- "$LG" -n 0 -d 64 -q >/dev/null 2>&1 &
d=$!
child=""
wait_for 10 sh -c "[ -n \"\$(cat /proc/$d/task/$d/children 2>/dev/null)\" ]"
for i in 1 2 3 4 5 6 7 8 9 10; do child=$(inference_child $d) && break; sleep 0.1; done
if [ -n "$child" ] && wait_for 10 is_stopped "$child"; then
  ok "signal actuator stops the child"
  kill -9 $d; wait $d 2>/dev/null
  check "after SIGKILL of the daemon the child runs again" wait_for 5 is_running "$child"
  t1=$(cpu_ticks "$child"); sleep 0.5; t2=$(cpu_ticks "$child")
  check "and it uses the CPU ($t1 -> $t2 ticks)" test "$t2" -gt "$t1"
  check "the guardian removed the state file" wait_for 5 no_state
  kill -9 "$child" 2>/dev/null
else
  not_ok "signal actuator never stopped the child"
  kill -9 $d 2>/dev/null; [ -n "$child" ] && kill -9 "$child" 2>/dev/null
fi

# ---- thermpace restore after a crash (daemon and guardian both killed) ----
$RUN --actuator cpufreq --fixed-setting 0 -- "$LG" -n 0 -d 64 -q >/dev/null 2>&1 &
d=$!
if wait_for 10 capped; then
  g=$(guardian_of $d); child=$(inference_child $d)
  kill -9 "$g" $d; wait $d 2>/dev/null
  sleep 0.2
  check "a crash leaves the cap" capped
  check "and its state file" sh -c "ls '$RT'/state-*.json >/dev/null 2>&1"
  expect_exit 0 "thermpace restore" "$TP_BIN" restore --runtime-dir "$RT"
  check "restore says what it did" grep -q '^restored 1 state file from ' "$TMPD/out"
  check "the cap is put back" uncapped
  check "the state file is gone" no_state
  [ -n "$child" ] && kill -9 "$child" 2>/dev/null
else
  kill -TERM $d 2>/dev/null; wait $d; not_ok "the cap was never applied"
fi
expect_exit 0 "restore with nothing to do" "$TP_BIN" restore --runtime-dir "$RT"
check "says none" grep -q '^restored 0 state files' "$TMPD/out"

# ---- the cgroup v1 cpu controller, for real ----
if [ -w /sys/fs/cgroup/cpu/cpu.cfs_quota_us ] && [ -w /sys/fs/cgroup/cpu ]; then
  $RUN --cgroup-root /sys/fs/cgroup/cpu --actuator cgroup --fixed-setting 0.05 -- "$LG" -n 0 -d 64 -q >/dev/null 2>&1 &
  d=$!
  cg=/sys/fs/cgroup/cpu/thermpace-$d
  # cgroup files have no size: read them
  if wait_for 10 sh -c "grep -q . '$cg/cgroup.procs' 2>/dev/null"; then
    child=$(cat "$cg/cgroup.procs" | head -1)
    check "the child runs in the daemon's cgroup" test -n "$child"
    # the child joins the cgroup when it starts, the quota comes with the
    # first setting applied after: wait for it, not just for the child
    check "with a quota" wait_for 10 sh -c "test \"\$(cat '$cg/cpu.cfs_quota_us')\" -gt 0"
    kill -TERM $d; wait $d
    check "the cgroup is removed at the end" test ! -e "$cg"
  else
    kill -TERM $d 2>/dev/null; wait $d; not_ok "no cgroup $cg with the child in it"
  fi
else
  skip "cgroup v1 run" "the cgroup v1 cpu controller is not writable at /sys/fs/cgroup/cpu"
fi

# ---- attach ----
setsid "$LG" -n 0 -d 64 -q >/dev/null 2>&1 &
lg=$!
sleep 0.1
"$TP_BIN" attach --pid $lg --root "$ROOT" --runtime-dir "$RT" --interval 0.2 --actuator signal \
  --fixed-setting 0.05 --duty-period 2 >/dev/null 2>"$TMPD/att.err" &
a=$!
check "attach: the process is duty-cycled (stopped)" wait_for 10 is_stopped $lg
kill -TERM $a; wait $a; rc=$?
check "attach: exit status 0 on SIGTERM ($rc)" test "$rc" = 0
check "attach: the process runs again" wait_for 5 is_running $lg
check "attach: the summary line" grep -q '^thermpace: .* tokens' "$TMPD/att.err"
kill -9 $lg 2>/dev/null
expect_exit 1 "attach to a process that does not exist" "$TP_BIN" attach --pid 999999 \
  --root "$ROOT" --runtime-dir "$RT"
sleep 1 &
sl=$!
expect_exit 0 "attach ends when the process does" "$TP_BIN" attach --pid $sl --root "$ROOT" \
  --runtime-dir "$RT" --interval 0.2 --actuator socket
# a cgroup v2 directory (the fixture; a process id in its cgroup.procs)
cp -r fixtures/actuators/cgroup2 "$TMPD/cga"
echo $$ >"$TMPD/cga/app/cgroup.procs"
"$TP_BIN" attach --cgroup "$TMPD/cga/app" --root "$ROOT" --runtime-dir "$RT" --interval 0.2 \
  --fixed-setting 0.25 >/dev/null 2>&1 &
a=$!
check "attach --cgroup caps cpu.max" wait_for 5 sh -c "! grep -q '^max ' '$TMPD/cga/app/cpu.max'"
kill -TERM $a; wait $a
check "and puts it back" test "$(cat "$TMPD/cga/app/cpu.max")" = "max 100000"

# ---- the /metrics exporter ----
if command -v curl >/dev/null 2>&1; then
  mport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  $RUN --metrics "127.0.0.1:$mport" --fixed-rate 30 -- "$LG" -C -q -n 60 -d 64 >/dev/null 2>&1 &
  d=$!
  check "/metrics serves the granted rate" wait_for 5 sh -c \
    "curl -s http://127.0.0.1:$mport/metrics | grep -q '^thermpace_tokens_per_second{kind=\"granted\"} 30\$'"
  check "/metrics counts pace_change events" sh -c \
    "curl -s http://127.0.0.1:$mport/metrics | grep -q '^thermpace_events_total{event=\"pace_change\"} '"
  wait $d
else
  skip "/metrics" "no curl"
fi

# ---- llama-server's /metrics counter ----
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$TMPD/srv.py" <<'PY'
import http.server, sys, time
t0 = time.time()
open(sys.argv[2], "w").write("%.6f\n" % t0)
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        n = int((time.time() - t0) * 100)  # 100 tokens/s
        body = ("# TYPE llamacpp:tokens_predicted_total counter\n"
                "llamacpp:tokens_predicted_total %d\n"
                "llamacpp:tokens_predicted_seconds_total %.3f\n"
                "llamacpp:predicted_tokens_seconds 12345\n" % (n, n / 100.0)).encode()
        self.send_response(200); self.send_header("Content-Length", str(len(body))); self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a): pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
python3 "$TMPD/srv.py" "$port" "$TMPD/srv.t0" &
srv=$!
wait_for 5 python3 -c "import socket; socket.create_connection(('127.0.0.1', $port))" 2>/dev/null
expect_exit 0 "run with --llama-server" run --llama-server "http://127.0.0.1:$port/metrics" -- sleep 2
w1=$(date +%s.%N)
n=$(sed -n 's/^thermpace: \([0-9]*\) tokens.*/\1/p' "$TMPD/err")
# the counter grows 100 a second from the server's start: at least half the
# run's own duration (its summary says it), at most the server's age when
# the command ended (a run with a child counts the counter from 0, as for a
# server it started; the server here started before it, longer before on a
# loaded machine); the gauge would give 12345
dur=$(sed -n 's/^thermpace: [0-9]* tokens.*, \([0-9.]*\) s, peak.*/\1/p' "$TMPD/err")
check "tokens come from the counter, not the gauge (got $n in ${dur:-?} s at 100/s)" \
  awk -v n="${n:-0}" -v d="${dur:-0}" -v a="$(cat "$TMPD/srv.t0")" -v b="$w1" \
  'BEGIN { w = b - a; exit !(d >= 2 && n >= 50 * d && n <= 100 * w + 50) }'
kill $srv 2>/dev/null
# a server thermpace starts itself: its counter starts at 0, so tokens done
# before the first scrape count; its own log lines are not counted again
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$TMPD/srv0.py" <<'PY'
import http.server, sys, threading, time
N = 160  # generated before the first scrape can come
sys.stderr.write("slot print_timing: id  0 | task 0 | \n"
                 "prompt eval time =      67.33 ms /    12 tokens (    5.61 ms per token)\n"
                 "       eval time =    1234.25 ms /   %d tokens (   12.47 ms per token)\n"
                 "      total time =    1301.58 ms /   %d tokens\n" % (N, N + 12))
sys.stderr.flush()
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = ("llamacpp:tokens_predicted_total %d\n"
                "llamacpp:tokens_predicted_seconds_total 1.234\n" % N).encode()
        self.send_response(200); self.send_header("Content-Length", str(len(body))); self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a): pass
s = http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H)
threading.Timer(2.0, s.shutdown).start()
s.serve_forever()
PY
expect_exit 0 "run -- llama-server with --llama-server" run --events "$TMPD/srv0.jsonl" \
  --llama-server "http://127.0.0.1:$port/metrics" -- python3 "$TMPD/srv0.py" "$port"
check "counted from 0, once: 160 tokens" grep -q '^thermpace: 160 tokens' "$TMPD/err"
check "one token source, logged" test "$(grep -c '"event":"token_source"' "$TMPD/srv0.jsonl")" = 1
check "the source is the counter" grep -q '"token_source","source":"llama-server"' "$TMPD/srv0.jsonl"
check "the server's log lines passed through" grep -q 'eval time = .* / *160 tokens' "$TMPD/err"

done_testing
