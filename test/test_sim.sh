#!/bin/sh
# CLI tests of 'thermpace sim': arguments, session files, determinism, the
# scenario library and the fixture sessions in the tree.
. test/lib.sh

expect_exit 0 "sim --help" "$TP_BIN" sim --help
check "sim --help prints usage on stdout" grep -q "usage: thermpace sim" "$TMPD/out"
expect_exit 2 "sim without -o" "$TP_BIN" sim
check "sim without -o says so" grep -q "^thermpace: sim: -o DIR is required$" "$TMPD/err"
expect_exit 2 "sim --seed abc" "$TP_BIN" sim --seed abc -o "$TMPD/x"
expect_exit 2 "sim --bogus" "$TP_BIN" sim --bogus -o "$TMPD/x"
expect_exit 2 "sim with a missing scenario" "$TP_BIN" sim --scenario "$TMPD/none.ini" -o "$TMPD/x"

printf '[plant]\nr_die = abc\n' >"$TMPD/bad.ini"
expect_exit 2 "sim with a malformed scenario" "$TP_BIN" sim --scenario "$TMPD/bad.ini" -o "$TMPD/x"
check "malformed scenario: one line naming file, section and key" \
  sh -c "[ \$(wc -l <'$TMPD/err') = 1 ] && grep -q '^thermpace: $TMPD/bad.ini: \[plant\] r_die: not a number$' '$TMPD/err'"
check "malformed scenario: no session written" test ! -e "$TMPD/x/telemetry.csv"

printf 'x' >"$TMPD/file"
expect_exit 1 "sim into a path that cannot be a directory" \
  "$TP_BIN" sim --duration 10 --no-audio -o "$TMPD/file/sub"

# a short scenario with every kind of event, audio on
cat >"$TMPD/all.ini" <<'INI'
[scenario]
duration_s = 300
seed = 5
[plant]
initial = steady
[load]
profile = calls
call_tokens = 30
gap_s = 2
[audio]
rate = 16000
start_s = 10
duration_s = 5
[event.a]
kind = ambient_step
t_start = 30
to_c = 30
[event.o]
kind = sensor_offset
channel = temp.gpu
t_start = 60
t_end = 120
offset_c = 2
[event.l]
kind = sensor_lost
channel = temp.board
t_start = 100
t_end = 110
INI
expect_exit 0 "sim writes a session" "$TP_BIN" sim --scenario "$TMPD/all.ini" -o "$TMPD/s1"
for f in manifest.ini telemetry.csv truth.jsonl audio.wav; do
  check "session has $f" test -s "$TMPD/s1/$f"
done
check "telemetry header: the sim channels" \
  grep -qx 't,temp.cpu,temp.gpu,temp.board,power.board,volt.board,curr.board,freq.cpu,freq.cpu_max,freq.cpu_hwmax,state.cool_cpu,state.cool_max,util.cpu,tokens.total,rate.tokens' "$TMPD/s1/telemetry.csv"
check "telemetry: 301 rows" sh -c "[ \$(grep -c '^[0-9]' '$TMPD/s1/telemetry.csv') = 301 ]"
check "telemetry: temp.board empty while lost" grep -q '^105.000000,[0-9.]*,[0-9.]*,,' "$TMPD/s1/telemetry.csv"
check "truth: three records" sh -c "[ \$(wc -l <'$TMPD/s1/truth.jsonl') = 3 ]"
check "truth: offset with its times" \
  grep -qF '{"kind":"sensor_offset","t_start":60.0,"t_end":120.0,"channel":"temp.gpu","offset_c":2.0' "$TMPD/s1/truth.jsonl"
check "manifest: audio window" grep -qx 'first_frame_t = 10.000000' "$TMPD/s1/manifest.ini"
check "manifest: board sim" grep -qx 'board = sim' "$TMPD/s1/manifest.ini"
check "audio: 5 s at 16 kHz, 16-bit" sh -c "[ \$(stat -c %s '$TMPD/s1/audio.wav') = \$((44 + 5 * 16000 * 2)) ]"

expect_exit 0 "sim again, same seed" "$TP_BIN" sim --scenario "$TMPD/all.ini" -o "$TMPD/s2"
for f in manifest.ini telemetry.csv truth.jsonl audio.wav; do
  check "same seed: identical $f" cmp -s "$TMPD/s1/$f" "$TMPD/s2/$f"
done
expect_exit 0 "sim, another seed" "$TP_BIN" sim --scenario "$TMPD/all.ini" --seed 6 -o "$TMPD/s3"
check "another seed: other telemetry" sh -c "! cmp -s '$TMPD/s1/telemetry.csv' '$TMPD/s3/telemetry.csv'"
check "another seed: other audio" sh -c "! cmp -s '$TMPD/s1/audio.wav' '$TMPD/s3/audio.wav'"
expect_exit 0 "sim --no-audio over the same directory" \
  "$TP_BIN" sim --scenario "$TMPD/all.ini" --no-audio --force -o "$TMPD/s3"
check "--no-audio removes a stale audio.wav" test ! -e "$TMPD/s3/audio.wav"

printf '[scenario]\nduration_s = 10\n[audio]\nrate = 48000\nduration_s = 1000\n' >"$TMPD/au.ini"
expect_exit 2 "--duration that makes audio too large is refused" \
  "$TP_BIN" sim --scenario "$TMPD/au.ini" --duration 500 -o "$TMPD/au"
expect_exit 0 "default scenario, 2 minutes" "$TP_BIN" sim --duration 120 -o "$TMPD/d"
check "default: 28 C ambient in the manifest" grep -qx 'final_ambient_c = 28.0000' "$TMPD/d/manifest.ini"

# every scenario of the library loads and runs
for f in fixtures/scenarios/*.ini fixtures/scenarios/sessions/*.ini; do
  expect_exit 0 "library $(basename "$f") runs" "$TP_BIN" sim --scenario "$f" --duration 30 --no-audio --force -o "$TMPD/lib"
done

# the network plant's scenarios run; their truth has parseable samples eval scores
for f in fixtures/scenarios/net/*.ini; do
  expect_exit 0 "net $(basename "$f") runs" "$TP_BIN" sim --scenario "$f" --duration 120 --no-audio --force -o "$TMPD/net"
done
"$TP_BIN" sim --scenario fixtures/scenarios/net/pi5-clean.ini --duration 2400 --seed 4 -o "$TMPD/net4" >/dev/null 2>&1
check "net: 40 truth samples" test "$(grep -c '"kind":"truth_sample"' "$TMPD/net4/truth.jsonl")" = 40
"$TP_BIN" eval "$TMPD/net4" --json >"$TMPD/net4.json" 2>/dev/null
check "net: eval scores the sustainable rate" grep -q '"sustainable_rate_median_rel_error":[0-9]' "$TMPD/net4.json"
check "net: eval scores the ambient" grep -q '"ambient_mae_after_30min":[0-9]' "$TMPD/net4.json"
"$TP_BIN" sim --scenario fixtures/scenarios/net/pi5-clean.ini --duration 300 --seed 4 -o "$TMPD/net4b" >/dev/null 2>&1
"$TP_BIN" sim --scenario fixtures/scenarios/net/pi5-clean.ini --duration 300 --seed 5 -o "$TMPD/net5" >/dev/null 2>&1
"$TP_BIN" sim --scenario fixtures/scenarios/net/pi5-clean.ini --duration 300 --seed 4 -o "$TMPD/net4c" >/dev/null 2>&1
check "net: same seed, same telemetry" cmp -s "$TMPD/net4b/telemetry.csv" "$TMPD/net4c/telemetry.csv"
check "net: another seed, another board" sh -c "! cmp -s '$TMPD/net4b/truth.jsonl' '$TMPD/net5/truth.jsonl'"

# the kernel throttles for nothing in drift-throttle, for real in hot-throttle
expect_exit 0 "drift-throttle runs" "$TP_BIN" sim --scenario fixtures/scenarios/drift-throttle.ini -o "$TMPD/dt"
check "drift-throttle: causes_throttle in truth" grep -q '"kind":"sensor_offset".*"causes_throttle":true' "$TMPD/dt/truth.jsonl"
check "drift-throttle: spurious kernel throttle" grep -q '"kind":"kernel_throttle".*"spurious":true' "$TMPD/dt/truth.jsonl"
expect_exit 0 "hot-throttle runs" "$TP_BIN" sim --scenario fixtures/scenarios/hot-throttle.ini -o "$TMPD/ht"
check "hot-throttle: genuine kernel throttle" grep -q '"kind":"kernel_throttle".*"spurious":false' "$TMPD/ht/truth.jsonl"
check "hot-throttle: no sensor blamed" sh -c "! grep -q causes_throttle '$TMPD/ht/truth.jsonl'"

# clocks hidden: by the scenario (no columns) and by replay (never read)
{ cat fixtures/scenarios/hot-throttle.ini; printf '[sensors]\nhide_clocks = 1\n'; } >"$TMPD/hide.ini"
expect_exit 0 "sim with hide_clocks" "$TP_BIN" sim --scenario "$TMPD/hide.ini" --no-audio -o "$TMPD/hide"
check "hide_clocks: no freq.* or state.cool_* column" \
  sh -c "grep -v '^#' '$TMPD/hide/telemetry.csv' | head -1 | grep -q 'power.board' && ! grep -v '^#' '$TMPD/hide/telemetry.csv' | head -1 | grep -q 'freq\.\|state\.cool_'"
check "hide_clocks: the kernel still throttles (truth)" grep -q '"kind":"kernel_throttle"' "$TMPD/hide/truth.jsonl"
printf '[sensors]\nhide_clocks = 2\n' >"$TMPD/hide-bad.ini"
expect_exit 2 "hide_clocks = 2" "$TP_BIN" sim --scenario "$TMPD/hide-bad.ini" -o "$TMPD/x"
check "hide_clocks = 2: says what is wrong" grep -q 'hide_clocks: must be 0 or 1$' "$TMPD/err"
expect_exit 0 "replay hot-throttle" "$TP_BIN" replay --no-audio "$TMPD/ht"
check "replay: clocks give kernel_throttle" grep -q '"event":"kernel_throttle"' "$TMPD/out"
expect_exit 0 "replay --hide-clocks hot-throttle" "$TP_BIN" replay --no-audio --hide-clocks "$TMPD/ht"
check "replay --hide-clocks: no clock clause fires" sh -c "! grep -q '\"event\":\"kernel_throttle\"' '$TMPD/out'"

# the fixture sessions in the tree are what the simulator writes today
if tools/sim-fixtures "$TP_BUILD" "$TMPD/fx" >/dev/null 2>"$TMPD/err"; then
  for d in fixtures/scenarios/sessions/*.ini; do
    n=$(basename "$d" .ini)
    for f in telemetry.csv truth.jsonl audio.wav; do
      [ -e "fixtures/sessions/$n/$f" ] || [ -e "$TMPD/fx/$n/$f" ] || continue
      check "fixture $n/$f is current (tools/sim-fixtures)" cmp -s "fixtures/sessions/$n/$f" "$TMPD/fx/$n/$f"
    done
  done
else
  not_ok "tools/sim-fixtures runs"
  sed 's/^/#   /' "$TMPD/err"
fi
check "fixture sessions stay small (< 5 MB)" sh -c "[ \$(du -sk fixtures/sessions/sim-* | awk '{s+=\$1} END {print s}') -lt 5120 ]"

done_testing
