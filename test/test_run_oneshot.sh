#!/bin/sh
# A one-shot program under `thermpace run --fixed-rate R`: its write calls
# feed the rate feedback live while it generates (src/pace/llama_writes.h),
# the eval line at exit stays the count and checks the live one. The child
# is a small script that behaves as llama-completion does (load lines and
# "generate: n_ctx = ..." on stderr, 5 ms of CPU and one write per piece on
# stdout, pieces of 0 to 3 bytes, the closing perf lines), paced by the signal duty and,
# where writable, the cgroup v1 quota; then the real llama-completion when
# tools/llama-build has cached it (else skipped with the reason).
. test/lib.sh
ROOT="$TMPD/root"
cp -r fixtures/sysfs/jetson-nano "$ROOT"
RUN="$TP_BIN run --root $ROOT --runtime-dir $TMPD/rt --interval 0.2"
cat >"$TMPD/oneshot.py" <<'PY'
import os, sys, time
n, cpu = int(sys.argv[1]), float(sys.argv[2])  # tokens, CPU seconds each
for i in range(20):
    os.write(2, b"llama_model_loader: - kv %2d: some.key = value\n" % i)
os.write(2, b"generate: n_ctx = 2048, n_batch = 2048, n_predict = %d, n_keep = 1\n\n" % n)
os.write(1, b" hello")  # the prompt's echo
time.sleep(0.3)  # its prefill: the first piece comes after it, as in llama-completion
pieces = [b"a", "\u00e9".encode(), b"xyz", b"", b"b"]  # multi-byte, and an empty one
t0 = time.monotonic()
for i in range(n):
    c = time.process_time() + cpu  # work: a CPU quota or a stop slows it
    while time.process_time() < c:
        pass
    p = pieces[i % len(pieces)]
    if p:
        os.write(1, p)
ms = (time.monotonic() - t0) * 1000
os.write(2, b"\nllama_perf_context_print: prompt eval time =      10.00 ms /     7 tokens\n")
os.write(2, b"llama_perf_context_print:        eval time = %10.2f ms / %5d runs   (x)\n" % (ms, n - 1))
PY
# 600 pieces (3 s of CPU free): the unpaced start (until the daemon reads
# the generate line and its first rates) is a small share of the run; with
# 300 the cgroup run once took only 1.34 times as long under make check
N=600
LIVE_LO=$((N / 2)) LIVE_HI=$((N * 4 / 5)) BYTES=$((6 + N / 5 * 7))
# json FILE PY-EXPR: evaluates PY-EXPR over the events (a list e)
json() { python3 -c 'import json, sys
e = [json.loads(l) for l in open(sys.argv[1])]
print(eval(sys.argv[2]))' "$1" "$2"; }

# evalms: the generation's seconds from the writer's own eval line on stdin
evalms() { sed -n 's/.* eval time = *\([0-9.]*\) ms \/ *[0-9]* runs.*/\1/p' | awk '{ printf "%.3f", $1 / 1000 }'; }
paced() { # paced NAME ACTUATOR [ARGS...]
  nm=$1 act=$2; shift 2
  # its free rate now (the machine may be shared): granted 0.3 of it
  python3 "$TMPD/oneshot.py" $N 0.005 2>&1 >/dev/null | evalms >"$TMPD/free"
  free=$(cat "$TMPD/free")
  g=$(awk -v d="$free" -v n=$N 'BEGIN { printf "%.3f", 0.3 * n / d }')
  expect_exit 0 "$nm: run --fixed-rate $g (0.3 x free) of a one-shot writer" \
    $RUN --actuator "$act" --fixed-rate "$g" --events "$TMPD/ev.$act" "$@" -- \
    python3 "$TMPD/oneshot.py" $N 0.005
  cp "$TMPD/out" "$TMPD/out.$act"; cp "$TMPD/err" "$TMPD/err.$act"
  ev="$TMPD/ev.$act"
  # not live until the writer's 'generate:' line, then live, each said once
  check "$nm: the feedback is said live once the generate line came" \
    test "$(json "$ev" '[x["live"] for x in e if x["event"] == "rate_feedback" and "live" in x]')" = "[False, True]"
  check "$nm: the feedback moved the setting down" \
    test "$(json "$ev" 'min([x["setting"] for x in e if x["event"] == "rate_feedback" and "setting" in x] or [1]) < 0.9')" = True
  # 4/5 of the pieces are non-empty (every fifth is empty): live <= LIVE_HI, most of them
  live=$(json "$ev" '[x["live"] for x in e if x["event"] == "live_count_check"]')
  check "$nm: live_count_check against the exact $N (live $live)" \
    test "$(json "$ev" 'len([x for x in e if x["event"] == "live_count_check" and x["exact"] == '$N' and '$LIVE_LO' <= x["live"] <= '$LIVE_HI' and x["fed"]])')" = 1
  check "$nm: the count is the eval line's, not added to the live one" \
    grep -q "thermpace: $N tokens" "$TMPD/err.$act"
  check "$nm: stdout passes through (the echo's 6 bytes + 7 per five pieces, $BYTES bytes)" \
    test "$(wc -c <"$TMPD/out.$act" | tr -d ' ')" = "$BYTES"
  # at 0.3 of its free rate it generates for about 3.3 times as long, less
  # what the live count misses (a fifth of this writer's pieces are empty and
  # write nothing: about 2.7 times; 2.4-2.9 measured at 600 pieces); loose
  # (1.4): the start is unpaced, and a loaded machine leaves the loop less
  # time (1.34 once under make check at 300 pieces) (how close it comes is
  # test/bench_llama.sh's)
  took=$(evalms <"$TMPD/err.$act")
  check "$nm: paced well below its free rate ($took s against $free s free, loose: 1.4 x as long)" \
    awk -v a="$took" -v d="$free" 'BEGIN { exit !(a >= 1.4 * d && d > 0) }'
}
paced signal signal
if [ -w /sys/fs/cgroup/cpu/cpu.cfs_quota_us ] && [ -w /sys/fs/cgroup/cpu ]; then
  paced cgroup cgroup --cgroup-root /sys/fs/cgroup/cpu
else
  skip "cgroup: a one-shot writer" "the cgroup v1 cpu controller is not writable here"
fi

# ---- attach: the writer under the name llama-completion, found by pid ----
# (python3 run through a link of that name: its command line says so);
# attached, its stderr is not seen, so the count is told from the bytes per
# write: the load lines (about 47 bytes) are left out, the pieces counted
ln -s "$(python3 -c 'import sys; print(sys.executable)')" "$TMPD/llama-completion"
free=$(python3 "$TMPD/oneshot.py" $N 0.005 2>&1 >/dev/null | evalms)
g=$(awk -v d="$free" -v n=$N 'BEGIN { printf "%.3f", 0.3 * n / d }')
"$TMPD/llama-completion" "$TMPD/oneshot.py" $N 0.005 >/dev/null 2>"$TMPD/att.err" &
wpid=$!
expect_exit 0 "attach --pid to a one-shot writer named llama-completion, --fixed-rate $g" \
  $TP_BIN attach --pid $wpid --root "$ROOT" --runtime-dir "$TMPD/rt.att" --interval 0.2 \
  --actuator signal --fixed-rate "$g" --events "$TMPD/ev.att"
wait $wpid
check "attach: the feedback is said live, from the bytes per write" \
  test "$(json "$TMPD/ev.att" '[x["live"] for x in e if x["event"] == "rate_feedback" and "live" in x][-1] and any("attached" in x.get("how", "") for x in e)')" = True
check "attach: the feedback moved the setting down" \
  test "$(json "$TMPD/ev.att" 'min([x["setting"] for x in e if x["event"] == "rate_feedback" and "setting" in x] or [1]) < 0.9')" = True
took=$(evalms <"$TMPD/att.err")
check "attach: paced well below its free rate ($took s against $free s free, loose: 1.4 x as long)" \
  awk -v a="$took" -v d="$free" 'BEGIN { exit !(a >= 1.4 * d && d > 0) }'

# ---- the real llama-completion, when cached ----
CACHE=$(tools/llama-build --path)
BIN="$CACHE/build/bin"
if [ ! -f "$CACHE/ready" ] || [ ! -x "$BIN/llama-completion" ]; then
  skip "real llama-completion" "no llama.cpp build in $CACHE (run tools/llama-build)"
elif ! /usr/bin/python3 -c 'import numpy' 2>/dev/null; then
  skip "real llama-completion" "python3-numpy (Debian) is not installed: the tiny GGUF cannot be written"
else
  /usr/bin/python3 tools/llama-tiny-gguf "$CACHE/src/gguf-py" "$TMPD/m.gguf" 512 8 1408 2048
  expect_exit 0 "llama-completion -n 200 at --fixed-rate 15, signal" \
    $RUN --actuator signal --fixed-rate 15 --events "$TMPD/ev.llama" -- \
    "$BIN/llama-completion" -m "$TMPD/m.gguf" -p hello -s 42 -no-cnv -t 1 -c 2048 --ignore-eos -n 200
  cp "$TMPD/err" "$TMPD/err.llama"
  if grep -q "common_perf_print: *eval time" "$TMPD/err.llama"; then
    live=$(json "$TMPD/ev.llama" '[(x["live"], x["exact"]) for x in e if x["event"] == "live_count_check"]')
    # one write per piece, never more; the tokens before the base (~0.4 s
    # of unpaced generation, 20 at 50 tokens/s, on a quiet machine; 45 once
    # under make check, where the daemon's ticks came late) are not in it.
    # 200 of them: with 100, the ASan build under make check once counted
    # nothing live (no check event); a daemon whose ticks come 2 s late
    # reads the generate line with the eval line, the run unpaced, which
    # 200 pieces at 50 tokens/s outlast
    check "llama-completion: the live write count near the exact 200 ($live)" \
      test "$(json "$TMPD/ev.llama" 'len([x for x in e if x["event"] == "live_count_check" and x["exact"] == 200 and 30 <= x["live"] <= 200])')" = 1
  else
    skip "llama-completion: the live write count" "its closing lines were lost at exit (docs/pacing.md)"
  fi
fi
done_testing
