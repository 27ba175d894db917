#!/bin/sh
# thermpace record --device: audio.wav captured through the real libasound
# path (alsa-lib's file plugin replaying a raw stream, paced to the clock) in
# sync with telemetry.csv; the manifest's [audio]; argument errors. Live
# analysis: record and run score the one-second aggregates as they come, and
# replay of the recorded session gives the same acoustic_shift events.
. test/lib.sh
fx=fixtures/sysfs/jetson-nano
FAN=fixtures/audio/computer-fan-hum-48k.wav

# the fan's left channel as a raw S32_LE mono stream (the capture's first choice)
alsa_fixture_wav "$FAN"

# the first frames of a WAV's data chunk equal the raw stream's
same_samples() {
  python3 - "$1" "$2" <<'PY'
import struct, sys
d = open(sys.argv[1], 'rb').read()
i = 12
while d[i:i + 4] != b'data':
    i += 8 + struct.unpack('<I', d[i + 4:i + 8])[0]
data = d[i + 8:]
raw = open(sys.argv[2], 'rb').read()
n = min(len(data), len(raw))
sys.exit(0 if n > 100000 and data[:n] == raw[:n] else 1)
PY
}
# frames in a WAV (the data chunk of a mono S32 file)
wav_seconds() {
  python3 -c '
import struct, sys
d = open(sys.argv[1], "rb").read()
i = 12
while d[i:i + 4] != b"data":
    i += 8 + struct.unpack("<I", d[i + 4:i + 8])[0]
print(struct.unpack("<I", d[i + 4:i + 8])[0] / 4 / 48000)' "$1"
}
ini() { sed -n "/^\[$2\]/,/^\[/s/^$3 = //p" "$1"; }

s="$TMPD/s"
expect_exit 0 "record 1 s with --device fixture" "$TP_BIN" record -o "$s" --root "$fx" --duration 1 --device fixture
check "telemetry.csv and audio.wav both there" test -s "$s/telemetry.csv" -a -s "$s/audio.wav"
check "events.jsonl there, no xrun" test -f "$s/events.jsonl" -a ! -s "$s/events.jsonl"
check "manifest [audio] file" test "$(ini "$s/manifest.ini" audio file)" = audio.wav
check "manifest [audio] rate" test "$(ini "$s/manifest.ini" audio rate)" = 48000
check "manifest [audio] channels" test "$(ini "$s/manifest.ini" audio channels)" = 1
check "manifest [audio] format" test "$(ini "$s/manifest.ini" audio format)" = S32_LE
ff=$(ini "$s/manifest.ini" audio first_frame_t)
fm=$(ini "$s/manifest.ini" audio first_frame_monotonic)
sm=$(ini "$s/manifest.ini" session start_monotonic)
check "first frame within 0.5 s of t = 0 ($ff)" awk -v t="$ff" 'BEGIN { exit !(t != "" && t > -0.5 && t < 0.5) }'
check "first_frame_t = first_frame_monotonic - start_monotonic" awk -v t="$ff" -v m="$fm" -v s0="$sm" 'BEGIN { d = m - s0 - t; exit !(d < 2e-6 && d > -2e-6) }'
secs=$(wav_seconds "$s/audio.wav")
check "audio paced to the clock: about 1 s ($secs s)" awk -v t="$secs" 'BEGIN { exit !(t > 0.8 && t < 1.6) }'
check "the captured frames equal the fixture" same_samples "$s/audio.wav" "$TMPD/fan.raw"
check "summary counts the audio" grep -q 'audio [0-9]* frames' "$TMPD/out"
expect_exit 0 "features of the recording" "$TP_BIN" features "$s/audio.wav"
check "the fan line is in it" awk -F, 'NR == 2 { for (i = 7; i <= 11; i += 2) if ($i > 11519 && $i < 11521) ok = 1 } END { exit !ok }' "$TMPD/out"

expect_exit 0 "record --channel mix --rate 48000" "$TP_BIN" record -o "$TMPD/m" --root "$fx" --duration 0.3 --device fixture --channel mix --rate 48000
check "mix: one channel" test "$(ini "$TMPD/m/manifest.ini" audio channels)" = 1

expect_exit 2 "--rate without --device" "$TP_BIN" record -o "$TMPD/x" --root "$fx" --rate 48000
expect_exit 2 "--channel 0" "$TP_BIN" record -o "$TMPD/x" --root "$fx" --device fixture --channel 0
expect_exit 2 "--rate abc" "$TP_BIN" record -o "$TMPD/x" --root "$fx" --device fixture --rate abc
expect_exit 1 "a PCM that does not exist" "$TP_BIN" record -o "$TMPD/y" --root "$fx" --duration 1 --device no_such_pcm
check "says which PCM" grep -q "cannot open PCM 'no_such_pcm'" "$TMPD/err"
check "no ALSA noise on stderr" sh -c "! grep -q '^ALSA lib' '$TMPD/err'"

# ---- live analysis against replay: a fan for 21 s, then a fridge ----
# (the sound model learns 15 s of this load, then needs 3 s: about 28 s of real time)
python3 - fixtures/audio/computer-fan-hum-48k.wav fixtures/audio/fridge-hum.wav "$TMPD/shift.raw" <<'PY'
import struct, sys, wave
def left(p):
    w = wave.open(p, 'rb'); n = w.getnframes(); c = w.getnchannels()
    return struct.unpack('<%dh' % (c * n), w.readframes(n))[0::c]
fan, fridge = left(sys.argv[1]), left(sys.argv[2])
x = fan + fan + fridge + fridge
open(sys.argv[3], 'wb').write(struct.pack('<%di' % len(x), *[v << 16 for v in x]))
PY
cp "$TMPD/shift.raw" "$TMPD/shift2.raw"
cat >>"$TMPD/alsa.conf" <<CONF
pcm.shift { type file slave.pcm "null" file "/dev/null" infile "$TMPD/shift.raw" format "raw" }
pcm.shift2 { type file slave.pcm "null" file "/dev/null" infile "$TMPD/shift2.raw" format "raw" }
CONF
cp -r "$fx" "$TMPD/root"
# the same stream live under run (its own copy) and record, side by side
"$TP_BIN" run --root "$TMPD/root" --runtime-dir "$TMPD/rt" --interval 0.2 --device shift2 \
  --events "$TMPD/run.jsonl" -- sleep 27 >"$TMPD/run.out" 2>"$TMPD/run.err" &
runpid=$!
ls=$TMPD/live
expect_exit 0 "record 27 s of a fan turning into a fridge" "$TP_BIN" record -o "$ls" --root "$fx" --duration 27 --device shift
wait "$runpid"; rc=$?
check "run with --device ends with its command's status ($rc)" test "$rc" = 0
expect_exit 0 "replay of the recorded session" "$TP_BIN" replay "$ls"
cp "$TMPD/out" "$TMPD/replay.jsonl"
# acoustic_shift events of FILE as one JSON list (t to the microsecond, features, z...)
shifts() { python3 -c '
import json, sys
print(json.dumps([e for e in map(json.loads, open(sys.argv[1])) if e["event"] == "acoustic_shift"], sort_keys=True))' "$1"; }
n=$(python3 -c 'import json, sys; print(len(json.loads(sys.argv[1])))' "$(shifts "$TMPD/replay.jsonl")")
check "replay finds the change ($n acoustic_shift)" test "$n" -ge 1
check "record's live acoustic_shift events equal replay's, byte for byte" \
  test "$(shifts "$ls/events.jsonl")" = "$(shifts "$TMPD/replay.jsonl")"
check "the shift comes after the fridge starts (21 s + 3 s)" python3 -c '
import json, sys
e = json.loads(sys.argv[1]); sys.exit(not (e and 23.5 < e[0]["t"] < 26))' "$(shifts "$ls/events.jsonl")"
# run: the same features, values and z; its clock started on its own
check "run's live acoustic_shift has replay's moved features, values and z" python3 - "$TMPD/run.jsonl" "$TMPD/replay.jsonl" <<'PY'
import json, sys
def shifts(p):
    return [e for e in map(json.loads, open(p)) if e["event"] == "acoustic_shift"]
a, b = shifts(sys.argv[1]), shifts(sys.argv[2])
ok = len(a) == len(b) >= 1 and all(x["moved"] == y["moved"] and abs(x["t"] - y["t"]) < 0.5
                                   for x, y in zip(a, b))
if not ok:
    print("#   run: %s\n#   replay: %s" % (a, b))
sys.exit(not ok)
PY
check "run: no xrun while paced" sh -c "! grep -q '\"event\":\"xrun\"' '$TMPD/run.jsonl'"
expect_exit 2 "run --channel without --device" "$TP_BIN" run --channel 2 -- true
expect_exit 2 "run --device ''" "$TP_BIN" run --device '' -- true
expect_exit 1 "run with a PCM that does not exist" "$TP_BIN" run --root "$TMPD/root" --runtime-dir "$TMPD/rt" --device no_such_pcm -- true
check "says which PCM" grep -q "cannot open PCM 'no_such_pcm'" "$TMPD/err"
done_testing
