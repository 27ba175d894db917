#!/bin/sh
# /metrics of a running daemon, checked with Prometheus' own promtool: thermpace
# run on copies of the Jetson Nano fixture tree (temperatures, cooling states,
# clocks, INA3221 power, voltage and current, the board's energy) with the
# contact microphone replayed through alsa-lib's file plugin (audio.*), a
# cooperative load generator making tokens, the forecast; then the x86 tree
# (RAPL energy, the x86 throttle counter). No channel kind the live daemon
# can have is left out except util.* (imported sessions only).
. test/lib.sh
LG="$TP_BUILD/thermpace-loadgen"
FAN=fixtures/audio/computer-fan-hum-48k.wav

if ! command -v curl >/dev/null 2>&1; then
  skip "live /metrics" "curl not installed"
  done_testing; exit $?
fi
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
scrape() { curl -s "http://127.0.0.1:$1/metrics" >"$2.tmp" && mv "$2.tmp" "$2"; }
# has FILE LINE-PREFIX: a sample line starting so
has() { grep -q "^$2" "$1"; }
promtool_ok() {
  if promtool check metrics <"$1" >"$TMPD/promtool.out" 2>&1; then return 0; fi
  sed 's/^/#   promtool: /' "$TMPD/promtool.out"; return 1
}

# the fan's left channel as a raw S32_LE mono stream, ~10 s (then repeated)
alsa_fixture_wav "$FAN"

# ---- the Jetson Nano with a microphone and a token-making child ----
cp -r fixtures/sysfs/jetson-nano "$TMPD/nano"
port=$(free_port)
M="$TMPD/nano.txt"
"$TP_BIN" run --root "$TMPD/nano" --runtime-dir "$TMPD/rt1" --interval 0.2 --device fixture \
  --metrics "127.0.0.1:$port" -- "$LG" -C -q -n 400 -r 40 -d 64 >/dev/null 2>"$TMPD/nano.err" &
d=$!
full() { scrape "$port" "$M" && has "$M" thermpace_acoustic_rms_decibels &&
  has "$M" thermpace_forecast_temperature_celsius && has "$M" 'thermpace_tokens_total [1-9]'; }
check "a scrape with audio, forecast and tokens within 10 s" wait_for 10 full
kill -TERM "$d" 2>/dev/null; wait "$d"
sed 's/^/#   /' "$TMPD/nano.err" | grep -v '^#   thermpace: run:' | head -5
for f in 'thermpace_temperature_celsius{zone="cpu"} ' 'thermpace_power_watts{rail="board"} ' \
  'thermpace_energy_joules_total{rail="board"} ' 'thermpace_voltage_volts{rail="board"} ' \
  'thermpace_current_amperes{rail="board"} ' 'thermpace_frequency_hertz{domain="cpu"} ' \
  'thermpace_frequency_max_hertz{domain="cpu"} ' 'thermpace_frequency_hardware_max_hertz{domain="gpu"} ' \
  'thermpace_cooling_state{device="cpu_balanced"} ' 'thermpace_cooling_state_max ' \
  'thermpace_tokens_total ' 'thermpace_tokens_per_second{kind="achieved"} ' \
  'thermpace_tokens_per_second{kind="sustainable"} ' \
  'thermpace_forecast_temperature_celsius{horizon_seconds="120"} ' \
  'thermpace_time_to_ceiling_seconds ' 'thermpace_sustainable_power_watts ' \
  'thermpace_ambient_estimate_celsius ' 'thermpace_energy_per_token_joules ' \
  'thermpace_ceiling_celsius 80$' 'thermpace_set_point_celsius 77$' \
  'thermpace_board_info{board="jetson-nano",' 'thermpace_throttled 0$' 'thermpace_pacing_blind 0$' \
  'thermpace_acoustic_band_decibels{band="2k_8k",stat="mean"} ' \
  'thermpace_acoustic_peak_hertz{peak="1",stat="mean"} ' \
  'thermpace_events_total{event="session_start"} 1$'; do
  check "live: $f" has "$M" "$f"
done
check "live: one family per quantity (one TYPE line per name)" \
  test -z "$(grep '^# TYPE' "$M" | sort | uniq -d)"
check "live: no sample carries a channel label" sh -c "! grep -q 'channel=' '$M'"
check "live: every family name ends in a unit, _total or _info, or is a flag" sh -c "
  grep '^# TYPE' '$M' | cut -d' ' -f3 |
  grep -v -E '_(celsius|watts|joules|volts|amperes|hertz|seconds|ratio|decibels|total|info|per_second|state|state_max|flags|flux)$' |
  grep -v -E '^thermpace_(up|throttled|pacing_blind)$' | sed 's/^/#   no unit: /' | grep . && exit 1 || exit 0"
if command -v promtool >/dev/null 2>&1; then
  check "promtool check metrics: the live Nano output is clean" promtool_ok "$M"
  printf '# TYPE thermpace_x_s gauge\nthermpace_x_s 1\n' >"$TMPD/bad.txt"
  check "promtool does complain about an abbreviated unit (the check can fail)" sh -c "! promtool check metrics <'$TMPD/bad.txt' >/dev/null 2>&1"
else
  skip "promtool check metrics on the live output" "promtool not installed (Debian package 'prometheus')"
fi

# ---- the x86 tree: RAPL rails and the throttle counter ----
cp -r fixtures/sysfs/x86-generic "$TMPD/x86"
port=$(free_port)
M="$TMPD/x86.txt"
"$TP_BIN" run --root "$TMPD/x86" --runtime-dir "$TMPD/rt2" --interval 0.2 \
  --metrics "127.0.0.1:$port" -- "$LG" -C -q -n 120 -r 40 -d 64 >/dev/null 2>&1 &
d=$!
x86() { scrape "$port" "$M" && has "$M" 'thermpace_tokens_total [1-9]' && has "$M" thermpace_x86_throttle_events_total; }
check "x86: a scrape with tokens and the throttle counter" wait_for 10 x86
kill -TERM "$d" 2>/dev/null; wait "$d"
check "x86: RAPL energy is a rail of the one energy family" has "$M" 'thermpace_energy_joules_total{rail="rapl_core"} '
check "x86: the throttle counter is a counter" has "$M" '# TYPE thermpace_x86_throttle_events_total counter'
if command -v promtool >/dev/null 2>&1; then
  check "promtool check metrics: the live x86 output is clean" promtool_ok "$M"
fi

# ---- --metrics-textfile: node_exporter's textfile collector ----
TF="$TMPD/textfile"
mkdir -p "$TF"
echo precious >"$TMPD/victim"
ln -s "$TMPD/victim" "$TF/thermpace.prom"      # a link at the file's name: replaced, not followed
ln -s "$TMPD/victim" "$TF/.thermpace.prom.tmp" # and at the temporary name: not written through
"$TP_BIN" run --root "$TMPD/nano" --runtime-dir "$TMPD/rt3" --interval 0.2 \
  --metrics-textfile "$TF" -- "$LG" -C -q -n 400 -r 40 -d 64 >/dev/null 2>"$TMPD/tf.err" &
d=$!
tf_ready() { [ -f "$TF/thermpace.prom" ] && [ ! -L "$TF/thermpace.prom" ] &&
  grep -q '^thermpace_tokens_total [1-9]' "$TF/thermpace.prom"; }
check "textfile: DIR/thermpace.prom with tokens within 10 s" wait_for 10 tf_ready
cp "$TF/thermpace.prom" "$TMPD/tf.txt"
# the file is replaced by rename, never rewritten in place: its inode changes
i1=$(stat -c %i "$TF/thermpace.prom")
check "textfile: rewritten (a new inode) within 3 s" wait_for 3 sh -c "[ \"\$(stat -c %i '$TF/thermpace.prom')\" != $i1 ]"
kill -TERM "$d" 2>/dev/null; wait "$d"
check "textfile: the planted links were not followed" test "$(cat "$TMPD/victim")" = precious
check "textfile: removed when the daemon ends" test ! -e "$TF/thermpace.prom"
check "textfile: no temporary file left" test ! -e "$TF/.thermpace.prom.tmp"
check "textfile: the same families as /metrics" grep -q '^thermpace_temperature_celsius{zone="cpu"} ' "$TMPD/tf.txt"
if command -v promtool >/dev/null 2>&1; then
  check "promtool check metrics: the textfile is clean" promtool_ok "$TMPD/tf.txt"
fi
expect_exit 1 "textfile: a directory that does not exist" "$TP_BIN" run --root "$TMPD/nano" \
  --runtime-dir "$TMPD/rt4" --metrics-textfile "$TMPD/nope" -- true
check "textfile: says which directory" grep -q "$TMPD/nope" "$TMPD/err"
done_testing
