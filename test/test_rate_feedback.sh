#!/bin/sh
# The rate feedback of the non-cooperative actuators on a real child:
# thermpace-loadgen in its llama-like mode (an eval line at the end of each
# call, wall time, stops included) granted a third of its free rate by
# `--fixed-rate` through the signal duty, and through the cgroup v1 quota
# where it is writable. Checks that the feedback is said (not live: counts
# come at each call's end), that it corrects the setting, that the calls
# settle near the granted rate (a loose band: the machine is shared; the 5 %
# target is test/bench_llama.sh's), and that idle gaps between calls (no
# work) do not wind it up. A --fixed-setting run says nothing of feedback.
# About two minutes: a window of the signal duty's feedback needs 5 s of work.
. test/lib.sh
LG="$TP_BUILD/thermpace-loadgen"
ROOT="$TMPD/root"
cp -r fixtures/sysfs/jetson-nano "$ROOT"
RUN="$TP_BIN run --root $ROOT --runtime-dir $TMPD/rt --interval 0.2"

# the free rate: tokens over the call's time (prompt and eval)
free=$("$LG" -n 300 -q 2>&1 | sed -n 's/.*total time = *\([0-9.]*\) ms \/ *\([0-9]*\) tokens.*/\2 \1/p' |
  awk '{ printf "%.2f", $1 * 1000 / $2 }')
check "the load generator's free rate is measured ($free tokens/s)" test -n "$free"
R=$(awk -v f="$free" 'BEGIN { printf "%.2f", f / 3 }')
# calls of about 1.5 s at the granted rate (0.5 s free): a window of the
# signal duty's feedback holds 5 s of work
N=$(awk -v r="$R" 'BEGIN { n = int(r * 1.5); print n < 10 ? 10 : n }')

# later CALLS... FILE: the mean rate of the calls after the first half (tokens / ms)
later() { sed -n 's/.*total time = *\([0-9.]*\) ms \/ *\([0-9]*\) tokens.*/\2 \1/p' "$1" |
  awk '{ n[NR] = $1; ms[NR] = $2 } END { for (i = int(NR / 2) + 1; i <= NR; i++) { t += n[i]; s += ms[i] }
         if (s > 0) printf "%.2f", t * 1000 / s }'; }
# near A B: A within 25 % of B
near() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "" && a >= 0.75 * b && a <= 1.25 * b) }'; }

# feedback ACTUATOR CALLS GAP [ARGS...]
feedback() {
  act=$1 calls=$2 gap=$3; shift 3
  $RUN --actuator "$act" --fixed-rate "$R" --events "$TMPD/ev.$act" "$@" -- \
    "$LG" -q -n "$N" -c "$calls" -g "$gap" >/dev/null 2>"$TMPD/err.$act"
  ev=$TMPD/ev.$act
  check "$act: the feedback is said once, not live (counts at each call's end)" \
    test "$(grep -c '"event":"rate_feedback","actuator":"'"$act"'","live":false' "$ev")" = 1
  check "$act: ... and on stderr" grep -q "^thermpace: rate feedback ($act): the eval lines of calls" "$TMPD/err.$act"
  ups=$(grep -c '"event":"rate_feedback".*"achieved"' "$ev")
  check "$act: it corrected the setting ($ups logged moves)" test "$ups" -ge 1
  check "$act: the first move is down from 1 (the free rate is 3x the granted)" \
    sh -c "grep '\"achieved\"' '$ev' | head -1 | grep -q '\"setting_from\":1.0,'"
  got=$(later "$TMPD/err.$act")
  check "$act, gaps of $gap s: the later calls at $got tokens/s for $R granted (25 %)" near "$got" "$R"
}
feedback signal 30 0
feedback signal 24 0.5
if [ -w /sys/fs/cgroup/cpu/cpu.cfs_quota_us ] && [ -w /sys/fs/cgroup/cpu ]; then
  feedback cgroup 30 0 --cgroup-root /sys/fs/cgroup/cpu
else
  skip "the cgroup quota's feedback" "the cgroup v1 cpu controller is not writable here"
fi

$RUN --actuator signal --fixed-setting 0.5 --events "$TMPD/ev.fixed" -- "$LG" -q -n 20 -c 2 \
  >/dev/null 2>"$TMPD/err.fixed"
check "a fixed setting is open loop: no feedback said" sh -c "! grep -q rate_feedback '$TMPD/ev.fixed' '$TMPD/err.fixed'"
done_testing
