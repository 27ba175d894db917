#!/bin/sh
# The report of a 24-hour simulated session (thermpace sim, 1 Hz telemetry,
# no audio: 24 h of audio would be gigabytes) and of a 10-minute session
# with 48 kHz audio: written in under 1 s per hour of session, a page of at
# most 5 MB, opened by headless chromium in at most 2 s (the page's own
# load time, performance.now() at its load event; the browser's start-up
# not counted, but printed).
# The audio session is judged as `run --session` records one, with its
# events.jsonl (written here by replay): the report then decodes the audio
# once, for the spectrogram and its tonal lines. The same session without
# events.jsonl is printed beside it, with no target: its events must come
# from the whole acoustic analysis of the replay.
# Usage: test/bench_report.sh [BUILD_DIR]   (from the source tree root)
set -eu
build=${1:-build/rel}
bin="$build/thermpace"
[ -x "$bin" ] || { echo "bench_report: $bin not built" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
. test/chromium.sh

verdict() { if [ "$1" = 1 ]; then echo met; else echo "not met"; fi; }

bench_one() { # NAME DIR HOURS [info: no target for the time]
  name=$1 dir=$2 hours=$3 info=${4:-}
  start=$(date +%s.%N)
  cpu0=$(awk '{ print $14 + $15 + $16 + $17 }' /proc/$$/stat)
  "$bin" report "$dir" -o "$work/$name.html"
  cpu1=$(awk '{ print $14 + $15 + $16 + $17 }' /proc/$$/stat)
  end=$(date +%s.%N)
  bytes=$(wc -c <"$work/$name.html")
  # wall time on a shared machine is noisy: the CPU time (children's, in
  # clock ticks) is printed beside it and judged when the wall time is not
  awk -v a="$start" -v b="$end" -v h="$hours" -v n="$name" -v c="$((cpu1 - cpu0))" \
    -v hz="$(getconf CLK_TCK)" -v info="$info" 'BEGIN {
    s = b - a; cs = c / hz; m = s / h < 1 || cs / h < 1
    v = info != "" ? "no target: " info : "target < 1): " (m ? "met" : "not met")
    printf "%s: written in %.2f s wall, %.2f s CPU for %.2f h of session (%.3f s per hour, %s\n",
      n, s, cs, h, (s < cs ? s : cs) / h, v }'
  echo "$name: page $bytes bytes (target <= 5 MB): $(verdict $([ "$bytes" -le 5242880 ] && echo 1 || echo 0))"
  [ -z "$info" ] || return 0
  if [ -z "$CHROMIUM" ]; then
    echo "$name: opening in chromium skipped: chromium not installed"
    return
  fi
  s0=$(date +%s.%N)
  chromium_dump "$work/$name.html" "$work/$name.dom" "$work/$name.err"
  s1=$(date +%s.%N)
  ms=$(sed -n 's/.*load_ms \([0-9]*\).*/\1/p' "$work/$name.dom")
  awk -v ms="${ms:-99999}" -v a="$s0" -v b="$s1" -v n="$name" 'BEGIN {
    printf "%s: opens in chromium in %.0f ms (target <= 2000; browser start to DOM dump %.2f s): %s\n",
      n, ms, b - a, (ms <= 2000 ? "met" : "not met") }'
}

"$bin" sim -d 86400 --no-audio -o "$work/day" >/dev/null
bench_one day "$work/day" 24

printf '%s\n' '[scenario]' 'name = bench-report-audio' 'duration_s = 600' 'interval_s = 1' \
  'seed = 5' '[plant]' 'ambient_c = 25' '[audio]' 'rate = 48000' 'duration_s = 600' 'max_mb = 64' >"$work/audio.ini"
if "$bin" sim --scenario "$work/audio.ini" -o "$work/audio" >/dev/null 2>&1 && [ -s "$work/audio/audio.wav" ]; then
  "$bin" replay "$work/audio" >"$work/audio.events" 2>/dev/null
  bench_one audio10min-bare "$work/audio" 0.1667 "events replayed with the whole audio analysis)"
  mv "$work/audio.events" "$work/audio/events.jsonl"
  bench_one audio10min "$work/audio" 0.1667
else
  echo "audio10min: skipped: the simulator wrote no audio for $work/audio.ini"
fi
