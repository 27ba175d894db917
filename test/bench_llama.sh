#!/bin/sh
# Pacing a real llama.cpp (make bench): llama-completion generating with a
# ~100 MB random-weight GGUF (tools/llama-tiny-gguf 512 8 1408 2048, a few
# dozen tokens a second on one core) under `thermpace run --fixed-rate R`
# by the signal actuator (SIGSTOP/SIGCONT duty) and the cgroup v1 cpu
# controller (a quota spanning every online CPU), R = the unpaced rate
# (measured right before) x F. The one-shot program says its count only at
# exit; while it runs the rate feedback is fed by its write calls, one per
# token's piece (src/pace/llama_writes.h). Achieved: the generated text's
# pieces over the wall time they took, timed as they come out of the run's
# stdout (this model's pieces are one byte each, and the same in every run
# with the same seed); the unpaced rate is measured the same way. Target:
# achieved within 5 % of granted, the median of 3 pairs. Each row's
# token count is set so that a paced run lasts about PACED_S seconds (from
# a 200-token unpaced probe first: tokens = PACED_S x F x its rate, 200 to
# 1500), both runs of a pair generating the same count: the target is the
# rate the pacing holds, and a run of 200 tokens at 20 a second is gone in
# 10 s, of which the unpaced start (until the first window closes) and the
# loop's first two windows are most. llama.cpp's own
# eval-line rate is printed beside it: it times the decodes only, so a
# paced run's stops outside a decode are not in it. Skips with the reason
# when llama.cpp or numpy is absent (tools/llama-build builds it).
# Then llama-server at a granted rate through the rate feedback (below).
# Usage: test/bench_llama.sh [BUILD_DIR]   (from the source tree root)
# Knobs: BENCH_LLAMA_PACED_S (30), BENCH_LLAMA_TOKENS (a fixed one-shot -n
# instead, for every row), BENCH_LLAMA_ONESHOT_ONLY=1
# (the first part only), BENCH_LLAMA_ONESHOT_ACTUATORS ("signal cgroup"),
# BENCH_LLAMA_SERVER_ONLY=1 (the second part only),
# BENCH_LLAMA_SERVER_ACTUATORS ("signal cgroup"), BENCH_LLAMA_PAIRS (3),
# BENCH_LLAMA_WARM (25 s), BENCH_LLAMA_MEASURE (60 s), BENCH_LLAMA_NPREDICT
# (32), BENCH_LLAMA_EVENTS=DIR (keep the paced runs' events).
build=${1:-build/rel}
TP=$build/thermpace
CACHE=$(tools/llama-build --path)
BIN="$CACHE/build/bin"
N=${BENCH_LLAMA_TOKENS:-}
PACED_S=${BENCH_LLAMA_PACED_S:-30}
if [ ! -f "$CACHE/ready" ] || [ ! -x "$BIN/llama-completion" ]; then
  echo "   skipped: no llama.cpp build in $CACHE (run tools/llama-build)"; exit 0
fi
if ! /usr/bin/python3 -c 'import numpy' 2>/dev/null; then
  echo "   skipped: python3-numpy (Debian) is not installed: no model can be written"; exit 0
fi
tmp=$(mktemp -d)
# BENCH_LLAMA_EVENTS=DIR keeps the paced runs' events there
trap '[ -n "${BENCH_LLAMA_EVENTS:-}" ] && cp "$tmp"/fb.* "$BENCH_LLAMA_EVENTS"/ 2>/dev/null; rm -rf "$tmp"' EXIT INT TERM
/usr/bin/python3 tools/llama-tiny-gguf "$CACHE/src/gguf-py" "$tmp/m.gguf" 512 8 1408 2048 || exit 1
cp -r fixtures/sysfs/jetson-nano "$tmp/root"
ncpu=$(getconf _NPROCESSORS_ONLN)
threads=1
LC0="$BIN/llama-completion -m $tmp/m.gguf -p hello -s 42 -no-cnv -t $threads -c 2048 --ignore-eos -n"
missed=0

# rate FILE: llama.cpp's decode rate, tokens per second of its eval time
rate() { sed -n 's/.* eval time = *\([0-9.]*\) ms \/ *\([0-9]*\) runs.*/\2 \1/p' "$1" |
  awk '$2 > 0 { printf "%.3f", $1 * 1000 / $2 }'; }
# stamped OUT CMD...: runs CMD with its stdout timed as it comes (output
# dropped), then prints pieces per second of wall time from the first
# output (the prompt's echo, as generation starts) to the last
cat >"$tmp/stamp.py" <<'PY'
import os, subprocess, sys, time
p = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE)
fd, n, first, last = p.stdout.fileno(), 0, None, None
while True:
    b = os.read(fd, 65536)
    if not b:
        break
    t = time.monotonic()
    if first is None:
        first = (t, len(b))
    n += len(b)
    last = (t, n)
p.wait()
if first and last[0] > first[0]:
    print("%.3f" % ((last[1] - first[1]) / (last[0] - first[0])))
PY
stamped() { python3 "$tmp/stamp.py" "$@"; }
# full EVENTS: 1 when the rate feedback moved the setting to 1 (the duty or
# quota fully open: the process got less than the grant even unpaced), else 0
full() { sed -n 's/.*"event":"rate_feedback".*"setting":\([0-9.e+-]*\).*/\1/p' "$1" 2>/dev/null |
  awk '$1 >= 0.995 { f = 1 } END { print f + 0 }'; }

echo "== pacing real llama.cpp ($(sed -n 's/.*"tag": *"\([^"]*\)".*/\1/p' "$CACHE/llama.cpp.info.json" 2>/dev/null)), ${N:-about ${PACED_S} s of paced} tokens, $threads thread, $ncpu CPUs"
echo "   one-shot llama-completion at a granted rate (--fixed-rate R = unpaced x F, fed live by its"
echo "   write calls); each paced run right after an unpaced one; median of 3 pairs; rates: pieces/s"
echo "   of wall time; eval: the same ratio from llama.cpp's eval lines (decode time only)"
echo "   (tokens: the row's count; load: the 1-minute load average before and after the row;"
echo "   full: pairs whose feedback went to the full setting, the grant out of reach there (the"
echo "   machine gave less than it while the run lasted); the row's figures are the median of all"
echo "   pairs, the verdict the median ratio of the others, the mean of the middle two for an even count)"
printf '   %-8s %-6s %-10s %-10s %-10s %-8s %-8s %-6s %-11s %-5s %s\n' actuator F unpaced granted achieved ratio eval tokens load full target
one() { # one ACTUATOR F [ARGS...]
  act=$1 f=$2; shift 2
  : >"$tmp/pairs"
  l0=$(cut -d' ' -f1 /proc/loadavg)
  n=$N
  if [ -z "$n" ]; then
    p=$(stamped $LC0 200 2>/dev/null)
    n=$(awk -v p="${p:-0}" -v f="$f" -v s="$PACED_S" 'BEGIN { n = int(p * f * s + 0.5); print (n < 200 ? 200 : (n > 1500 ? 1500 : n)) }')
  fi
  LC="$LC0 $n"
  for k in 1 2 3; do
    r0=$(stamped $LC 2>"$tmp/e0")
    [ -n "$r0" ] || continue
    g=$(awk -v u="$r0" -v f="$f" 'BEGIN { printf "%.3f", u * f }')
    r1=$(stamped "$TP" run --root "$tmp/root" --runtime-dir "$tmp/rt" --interval 0.2 --actuator "$act" \
      --fixed-rate "$g" --events "$tmp/fb.one.$act.$f.$k" "$@" -- $LC 2>"$tmp/e1")
    e0=$(rate "$tmp/e0") e1=$(rate "$tmp/e1")
    full=$(full "$tmp/fb.one.$act.$f.$k")
    [ -n "$r1" ] && [ -n "$e0" ] && [ -n "$e1" ] &&
      awk -v a="$r1" -v g="$g" -v u="$r0" -v e0="$e0" -v e1="$e1" -v f="$f" -v full="$full" \
        'BEGIN { printf "%.4f %s %s %s %.4f %d\n", a / g, u, g, a, e1 / (e0 * f), full }' >>"$tmp/pairs"
  done
  load="$l0-$(cut -d' ' -f1 /proc/loadavg)"
  if [ ! -s "$tmp/pairs" ]; then
    printf '   %-8s %-6s %-10s %-10s %-10s %-8s %-8s %-6s %-11s %-5s %s\n' "$act" "$f" - - - - - "$n" "$load" - "not met (no rate measured)"
    missed=1; return
  fi
  nfull=$(awk '$6 { n++ } END { print n + 0 "/" NR }' "$tmp/pairs")
  # the verdict on the pairs whose grant stayed within reach
  awk '!$6' "$tmp/pairs" >"$tmp/pairs.in"
  if [ -s "$tmp/pairs.in" ]; then
    x=$(sort -n "$tmp/pairs.in" | awk '{ v[NR] = $1 } END { printf "%.4f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
    verdict=$(awk -v x="$x" 'BEGIN { print (x >= 0.95 && x <= 1.05) ? "met" : "not met" }')
    [ "$verdict" = met ] || missed=1
    verdict="within 5 %: $verdict ($x)"
  else
    verdict="not judged: the grant went out of reach in every pair (load)"
  fi
  set -- $(sort -n "$tmp/pairs" | awk '{ v[NR] = $0 } END { print v[int((NR + 1) / 2)] }')
  printf '   %-8s %-6s %-10s %-10s %-10s %-8s %-8s %-6s %-11s %-5s %s\n' "$act" "$f" "$2" "$3" "$4" "$1" "$5" "$n" "$load" "$nfull" "$verdict"
}
ONE_ACTS=${BENCH_LLAMA_ONESHOT_ACTUATORS:-signal cgroup}
case " $ONE_ACTS " in *" signal "*)
  [ -n "${BENCH_LLAMA_SERVER_ONLY:-}" ] || for f in 0.5 0.25; do
    one signal $f
  done
esac
if [ -n "${BENCH_LLAMA_SERVER_ONLY:-}" ]; then :
elif case " $ONE_ACTS " in *" cgroup "*) false ;; *) true ;; esac; then :
elif [ -w /sys/fs/cgroup/cpu/cpu.cfs_quota_us ] && [ -w /sys/fs/cgroup/cpu ]; then
  for f in 0.5 0.25; do
    one cgroup $f --cgroup-root /sys/fs/cgroup/cpu
  done
else
  echo "   cgroup: skipped (the cgroup v1 cpu controller is not writable here)"
fi

# ---- llama-server at a granted rate: the rate feedback ----
# llama-server (one slot, one thread) kept busy by a client sending requests
# of NP tokens back to back; unpaced, then under `thermpace run --fixed-rate
# R --llama-server URL` with R = the unpaced rate x F, by the signal duty and
# the cgroup v1 quota. The feedback corrects the setting from the server's
# tokens_predicted_total over its generation and prompt seconds. Achieved:
# the tokens of the requests that ended in the measuring window over its
# wall time, as the client saw them (WARM s to converge first).
[ -z "${BENCH_LLAMA_ONESHOT_ONLY:-}" ] || exit $missed
SRV="$BIN/llama-server"
NP=${BENCH_LLAMA_NPREDICT:-32}
WARM=${BENCH_LLAMA_WARM:-25}
MEAS=${BENCH_LLAMA_MEASURE:-60}
PAIRS=${BENCH_LLAMA_PAIRS:-3}
if [ ! -x "$SRV" ] || ! command -v curl >/dev/null 2>&1; then
  echo "   llama-server: skipped (no llama-server in $BIN, or no curl)"; exit $missed
fi
cat >"$tmp/client.py" <<'PY'
import json, sys, time, urllib.request
url, warm, meas, npred = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
body = json.dumps({"prompt": "hello", "n_predict": npred, "seed": 42, "ignore_eos": True}).encode()
t0 = time.monotonic(); ends = []
while True:
    req = urllib.request.Request(url + "/completion", body, {"Content-Type": "application/json"})
    n = json.load(urllib.request.urlopen(req, timeout=300)).get("tokens_predicted", 0)
    t = time.monotonic() - t0
    ends.append((t, n))
    if t >= warm + meas:
        break
w = [e for e in ends if e[0] >= warm]
if len(w) < 3:
    sys.exit(1)
print("%.3f" % (sum(n for _, n in w[1:]) / (w[-1][0] - w[0][0])))
PY
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
URL=http://127.0.0.1:$port
LS="$SRV -m $tmp/m.gguf --port $port --metrics -t $threads -c 512 -np 1"
up() { i=0; until curl -sf "$URL/health" >/dev/null 2>&1; do sleep 0.1; i=$((i + 1)); [ $i -gt 600 ] && return 1; done; return 0; }
# serve WARM MEAS CMD...: CMD serves on URL; prints the client's rate
serve() {
  w=$1 m=$2; shift 2
  "$@" >/dev/null 2>"$tmp/srv.err" &
  pid=$!
  up && python3 "$tmp/client.py" "$URL" "$w" "$m" "$NP"
  kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null
}
echo "   llama-server at a granted rate (--fixed-rate R = unpaced x F, the rate feedback on),"
echo "   $NP tokens a request, ${WARM} s to settle, ${MEAS} s measured, median of $PAIRS pairs"
printf '   %-8s %-6s %-10s %-10s %-10s %-8s %-11s %s\n' actuator F unpaced granted achieved ratio load target
srv() { # srv ACTUATOR F [ARGS...]
  act=$1 f=$2; shift 2
  : >"$tmp/pairs"
  l0=$(cut -d' ' -f1 /proc/loadavg)
  k=0
  while [ $k -lt "$PAIRS" ]; do
    k=$((k + 1))
    r0=$(serve 3 10 $LS)
    [ -n "$r0" ] || continue
    g=$(awk -v u="$r0" -v f="$f" 'BEGIN { printf "%.3f", u * f }')
    r1=$(serve "$WARM" "$MEAS" "$TP" run --root "$tmp/root" --runtime-dir "$tmp/rt" --interval 0.2 \
      --actuator "$act" --fixed-rate "$g" --llama-server "$URL/metrics" --events "$tmp/fb.$act.$f.$k" "$@" -- $LS)
    [ -n "$r1" ] && awk -v a="$r1" -v g="$g" -v u="$r0" 'BEGIN { printf "%.4f %s %s %s\n", a / g, u, g, a }' >>"$tmp/pairs"
  done
  load="$l0-$(cut -d' ' -f1 /proc/loadavg)"
  if [ ! -s "$tmp/pairs" ]; then
    printf '   %-8s %-6s %-10s %-10s %-10s %-8s %-11s %s\n' "$act" "$f" - - - - "$load" "not met (no rate measured)"
    missed=1; return
  fi
  set -- $(sort -n "$tmp/pairs" | awk '{ v[NR] = $0 } END { print v[int((NR + 1) / 2)] }')
  verdict=$(awk -v x="$1" 'BEGIN { print (x >= 0.95 && x <= 1.05) ? "met" : "not met" }')
  [ "$verdict" = met ] || missed=1
  printf '   %-8s %-6s %-10s %-10s %-10s %-8s %-11s %s\n' "$act" "$f" "$2" "$3" "$4" "$1" "$load" "within 5 %: $verdict"
}
ACTS=${BENCH_LLAMA_SERVER_ACTUATORS:-signal cgroup}
case " $ACTS " in *" signal "*)
  for f in 0.5 0.25; do
    srv signal $f
  done
esac
case " $ACTS " in *" cgroup "*) ;; *) exit $missed ;; esac
if [ -w /sys/fs/cgroup/cpu/cpu.cfs_quota_us ] && [ -w /sys/fs/cgroup/cpu ]; then
  for f in 0.5 0.25; do
    srv cgroup $f --cgroup-root /sys/fs/cgroup/cpu
  done
else
  echo "   llama-server, cgroup: skipped (the cgroup v1 cpu controller is not writable here)"
fi
exit $missed
