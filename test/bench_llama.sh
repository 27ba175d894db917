#!/bin/sh
# Pacing a real llama.cpp (make bench): llama-completion generating with a
# ~100 MB random-weight GGUF (tools/llama-tiny-gguf 512 8 1408 2048, a few
# dozen tokens a second on one core) under `thermpace run --fixed-setting S`
# by the signal actuator (SIGSTOP/SIGCONT duty) and the cgroup v1 cpu
# controller (a quota spanning every online CPU). The achieved decode rate is
# llama.cpp's own (`eval time = T ms / N runs`, wall time, stops included);
# the expected rate is the unpaced rate times the share of CPU the setting
# leaves the process: S for the signal duty, min(1, S * ncpu / threads) for
# the quota. Target: each within 5 % of the expected rate. Skips with the
# reason when llama.cpp or numpy is absent (tools/llama-build builds it).
# Usage: test/bench_llama.sh [BUILD_DIR]   (from the source tree root)
build=${1:-build/rel}
TP=$build/thermpace
CACHE=$(tools/llama-build --path)
BIN="$CACHE/build/bin"
N=${BENCH_LLAMA_TOKENS:-200}
if [ ! -f "$CACHE/ready" ] || [ ! -x "$BIN/llama-completion" ]; then
  echo "   skipped: no llama.cpp build in $CACHE (run tools/llama-build)"; exit 0
fi
if ! /usr/bin/python3 -c 'import numpy' 2>/dev/null; then
  echo "   skipped: python3-numpy (Debian) is not installed: no model can be written"; exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
/usr/bin/python3 tools/llama-tiny-gguf "$CACHE/src/gguf-py" "$tmp/m.gguf" 512 8 1408 2048 || exit 1
cp -r fixtures/sysfs/jetson-nano "$tmp/root"
ncpu=$(getconf _NPROCESSORS_ONLN)
threads=1
LC="$BIN/llama-completion -m $tmp/m.gguf -p hello -s 42 -no-cnv -t $threads -c 2048 --ignore-eos -n $N"
missed=0

# rate FILE: llama.cpp's decode rate, tokens per second of wall time
rate() { sed -n 's/.* eval time = *\([0-9.]*\) ms \/ *\([0-9]*\) runs.*/\2 \1/p' "$1" |
  awk '$2 > 0 { printf "%.3f", $1 * 1000 / $2 }'; }

echo "== pacing real llama.cpp ($(sed -n 's/.*"tag": *"\([^"]*\)".*/\1/p' "$CACHE/llama.cpp.info.json" 2>/dev/null)), $N tokens, $threads thread, $ncpu CPUs"
echo "   each paced run right after an unpaced one; ratio = achieved / (unpaced x share), median of 3 pairs"
printf '   %-8s %-8s %-6s %-10s %-10s %-8s %s\n' actuator setting share unpaced achieved ratio target
one() { # one ACTUATOR SETTING SHARE [ARGS...]
  act=$1 s=$2 share=$3; shift 3
  : >"$tmp/pairs"
  for k in 1 2 3; do
    $LC >/dev/null 2>"$tmp/e0"
    "$TP" run --root "$tmp/root" --runtime-dir "$tmp/rt" --interval 0.2 --actuator "$act" \
      --fixed-setting "$s" "$@" -- $LC >/dev/null 2>"$tmp/e1"
    r0=$(rate "$tmp/e0") r1=$(rate "$tmp/e1")
    [ -n "$r0" ] && [ -n "$r1" ] &&
      awk -v a="$r1" -v u="$r0" -v f="$share" 'BEGIN { printf "%.4f %s %s\n", a / (u * f), u, a }' >>"$tmp/pairs"
  done
  if [ ! -s "$tmp/pairs" ]; then
    printf '   %-8s %-8s %-6s %-10s %-10s %-8s %s\n' "$act" "$s" "$share" - - - "not met (no eval line)"
    missed=1; return
  fi
  set -- $(sort -n "$tmp/pairs" | awk '{ v[NR] = $0 } END { print v[int((NR + 1) / 2)] }')
  verdict=$(awk -v x="$1" 'BEGIN { print (x >= 0.95 && x <= 1.05) ? "met" : "not met" }')
  [ "$verdict" = met ] || missed=1
  printf '   %-8s %-8s %-6s %-10s %-10s %-8s %s\n' "$act" "$s" "$share" "$2" "$3" "$1" "within 5 %: $verdict"
}
for s in 0.5 0.25; do
  one signal $s $s
done
if [ -w /sys/fs/cgroup/cpu/cpu.cfs_quota_us ] && [ -w /sys/fs/cgroup/cpu ]; then
  for s in 0.25 0.125; do
    share=$(awk -v s="$s" -v n="$ncpu" -v t="$threads" 'BEGIN { f = s * n / t; print (f > 1 ? 1 : f) }')
    one cgroup $s "$share" --cgroup-root /sys/fs/cgroup/cpu
  done
else
  echo "   cgroup: skipped (the cgroup v1 cpu controller is not writable here)"
fi
exit $missed
