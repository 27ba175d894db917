#!/bin/sh
# Throttles heard: simulated throttle episodes across boards and loads with
# the clocks and cooling states hidden, scored from sound alone; false
# acoustic_shift per hour on clean sessions under 50- and 200-token calls;
# false alarms over the real recordings of fixtures/audio as the only sound.
#
# The board sound is the simulator's (src/sim/sim_audio.c, written by this
# project) over real recordings as background: these are simulator figures.
#
# Usage: test/bench_acoustic.sh [BUILD_DIR] [SEEDS]   (from the source tree root)
#   SEEDS per board and load (default 6: 3 boards x 3 loads x 6 = 54 episodes)
# Environment: BENCH_JOBS parallel simulations (default 2).
set -eu
build=${1:-build/rel}
seeds=${2:-6}
jobs=${BENCH_JOBS:-2}
bin="$build/thermpace"
[ -x "$bin" ] || { echo "bench_acoustic: $bin not built" >&2; exit 1; }
command -v python3 >/dev/null || { echo "bench_acoustic: skipped (python3 not installed)"; exit 0; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
[ -n "${BENCH_KEEP:-}" ] && trap - EXIT && echo "bench_acoustic: sessions kept in $work"
fx=$(pwd)/fixtures/audio

# board NAME: the [audio] keys of a board's sound
board() {
  case $1 in
  nano) printf '%s\n' 'whine_hz = 5000' 'whine_hz_per_w = 300' 'hz_per_state = 150' \
    'hum_hz = 50' 'hum_db = -62' ;;
  pi5) printf '%s\n' 'whine_hz = 7800' 'whine_hz_per_w = 220' 'hz_per_state = 120' \
    'whine_db = -54' 'fan_rpm = 3000' 'fan_rpm_per_state = 400' 'fan_blades = 7' 'fan_db = -56' \
    'hum_hz = 50' 'hum_db = -66' 'db_per_state = 0.5' ;;
  orin) printf '%s\n' 'whine_hz = 3200' 'whine_hz_per_w = 150' 'hz_per_state = 90' \
    'whine_db = -52' 'fan_rpm = 2200' 'fan_rpm_per_state = 300' 'fan_blades = 9' 'fan_db = -50' \
    'hum_hz = 60' 'hum_db = -60' ;;
  esac
}

# load NAME: the [load] section
load() {
  case $1 in
  paced) printf '%s\n' '[load]' 'profile = constant' "rate = $2" ;;
  calls50) printf '%s\n' '[load]' 'profile = calls' 'call_tokens = 50' 'gap_s = 3' ;;
  calls200) printf '%s\n' '[load]' 'profile = calls' 'call_tokens = 200' 'gap_s = 4' ;;
  esac
}

# scenario FILE NAME BOARD LOAD SEED DURATION HOT BACKGROUND
scenario() {
  f=$1 name=$2 b=$3 l=$4 seed=$5 dur=$6 hot=$7 bg=$8
  amb=$((24 + seed % 5))
  rate=$((6 + seed % 4))
  # the die sits just under the trip at the start load; a hot room pushes it over
  case $l in
  paced) mean=$rate ;;
  calls50) mean=7 ;;
  *) mean=9 ;;
  esac
  trip=$(awk -v a="$amb" -v r="$mean" 'BEGIN { printf "%.1f", a + (3.8 + 0.2787 * r) * 7.2222 + 2 }')
  {
    printf '%s\n' '[scenario]' "name = $name" "duration_s = $dur" "seed = $seed" \
      '[plant]' "ambient_c = $amb" 'initial = steady' "initial_rate = $mean" \
      '[throttle]' "trip_c = $trip" '[sensors]' 'hide_clocks = 1'
    load "$l" "$rate"
    printf '%s\n' '[audio]' 'rate = 48000' "duration_s = $dur" 'max_mb = 200' 'couple_db = 6' \
      "background = $bg" "background_db = -$((8 + seed % 10))"
    board "$b"
    if [ "$hot" = 1 ]; then
      printf '%s\n' '[event.hot]' 'kind = ambient_step' 't_start = 90' "to_c = $((amb + 10))"
    fi
  } >"$f"
}

bgs="$fx/computer-fan-hum-48k.wav $fx/fridge-hum.wav"
i=0
for b in nano pi5 orin; do
  for l in paced calls50 calls200; do
    s=1
    while [ "$s" -le "$seeds" ]; do
      i=$((i + 1))
      bg=$(echo $bgs | cut -d' ' -f$((i % 2 + 1)))
      scenario "$work/thr-$b-$l-$s.ini" "thr-$b-$l-$s" "$b" "$l" $((s * 7 + i)) 360 1 "$bg"
      s=$((s + 1))
    done
  done
done
for b in nano pi5 orin; do
  for l in calls50 calls200; do
    i=$((i + 1))
    bg=$(echo $bgs | cut -d' ' -f$((i % 2 + 1)))
    # clean: the room stays as it is and the trip out of reach
    scenario "$work/clean-$b-$l.ini" "clean-$b-$l" "$b" "$l" $((i + 3)) 600 0 "$bg"
    sed -i 's/^trip_c = .*/trip_c = 150/' "$work/clean-$b-$l.ini"
  done
done
# the real recordings alone: no whine, no fan, no hum, the recording at full level
for r in computer-fan-hum-48k fridge-hum; do
  for l in calls50 calls200; do
    i=$((i + 1))
    scenario "$work/real-$r-$l.ini" "real-$r-$l" nano "$l" $((i + 5)) 600 0 "$fx/$r.wav"
    sed -i 's/^trip_c = .*/trip_c = 150/; s/^background_db = .*/background_db = 0/' "$work/real-$r-$l.ini"
    printf '%s\n' 'whine_db = -200' 'whine_db_per_w = 0' 'noise_db = -96' >>"$work/real-$r-$l.ini"
  done
done

start=$(date +%s)
ls "$work"/*.ini | xargs -P "$jobs" -I{} sh -c '
  f={}; d=${f%.ini}
  "$0" sim --scenario "$f" -o "$d" >/dev/null && "$0" replay --hide-clocks "$d" >"$d.jsonl" && rm -f "$d/audio.wav"
' "$bin"
end=$(date +%s)

python3 - "$work" $((end - start)) <<'PY'
import glob, json, os, sys
work, secs = sys.argv[1], int(sys.argv[2])
WITHIN = 10.0
def events(d):
    return [json.loads(l) for l in open(d + ".jsonl")]
def truth(d):
    return [json.loads(l) for l in open(os.path.join(d, "truth.jsonl"))]
def duration(d):
    rows = [l for l in open(os.path.join(d, "telemetry.csv")) if l[0].isdigit()]
    return float(rows[-1].split(",")[0])
episodes = found = det = det_true = 0
late, missed, wrong = [], [], []
for d in sorted(glob.glob(work + "/thr-*")):
    if not os.path.isdir(d):
        continue
    T = duration(d)
    tr = [(r["t_start"], r["t_end"] if r["t_end"] is not None else T)
          for r in truth(d) if r["kind"] == "kernel_throttle"]
    starts = [e["t"] for e in events(d) if e["event"] == "kernel_throttle" and e.get("state") == "start"]
    ends = [e["t"] for e in events(d) if e["event"] == "kernel_throttle" and e.get("state") == "end"]
    eps = []
    for s in starts:
        e = min([x for x in ends if x >= s] or [T])
        eps.append((s, e))
    for (a, b) in tr:
        episodes += 1
        hit = [s for (s, e) in eps if a - 1 <= s <= a + WITHIN]
        if hit:
            found += 1
            late.append(min(hit) - a)
        else:
            missed.append("%s onset %.0f s, heard at %s" % (os.path.basename(d), a,
                          ", ".join("%.0f" % s for (s, e) in eps) or "never"))
    for (s, e) in eps:
        det += 1
        hit = any(s <= b and e >= a - 1 for (a, b) in tr)
        det_true += hit
        if not hit:
            wrong.append("%s at %.0f s" % (os.path.basename(d), s))
recall = found / episodes if episodes else 0
precision = det_true / det if det else 0
def count(prefix, kinds):
    n = hours = 0
    for d in sorted(glob.glob(work + "/" + prefix + "*")):
        if not os.path.isdir(d):
            continue
        hours += duration(d) / 3600
        n += sum(1 for e in events(d) if e["event"] in kinds and e.get("state", "start") == "start")
    return n, hours
shifts, hours = count("clean-", ("acoustic_shift",))
fthr, _ = count("clean-", ("kernel_throttle",))
rshift, rhours = count("real-", ("acoustic_shift",))
rthr, _ = count("real-", ("kernel_throttle",))
ok = lambda c: "met" if c else "not met"
print("== acoustic throttle detection, clocks and cooling states hidden (simulator figures:")
print("   the board sound is the project's own simulator over real recordings as background)")
print("throttle episodes (truth)          %4d   (3 boards x 3 loads, %s s of simulation and replay)" % (episodes, secs))
print("  found from sound within %2.0f s    %4d   recall    %.3f  (target >= 0.9)  %s" % (WITHIN, found, recall, ok(recall >= 0.9)))
if late:
    late.sort()
    print("  delay after onset               median %.1f s, max %.1f s" % (late[len(late) // 2], late[-1]))
print("kernel_throttle episodes raised    %4d   precision %.3f  (target >= 0.9)  %s" % (det, precision, ok(precision >= 0.9)))
for m in missed:
    print("  missed: " + m)
for m in wrong:
    print("  raised for nothing: " + m)
print("clean sessions, 50- and 200-token calls: %.2f h" % hours)
print("  false acoustic_shift            %4d   %.2f per hour  (target <= 1)    %s" % (shifts, shifts / hours if hours else 0, ok(hours and shifts / hours <= 1)))
print("  false kernel_throttle           %4d   %.2f per hour" % (fthr, fthr / hours if hours else 0))
print("real recordings alone (fixtures/audio, looped), calls: %.2f h" % rhours)
print("  false acoustic_shift            %4d   %.2f per hour" % (rshift, rshift / rhours if rhours else 0))
print("  false kernel_throttle           %4d   %.2f per hour" % (rthr, rthr / rhours if rhours else 0))
PY
