#!/bin/sh
# thermpace record --device: audio.wav captured through the real libasound
# path (alsa-lib's file plugin replaying a raw stream, paced to the clock) in
# sync with telemetry.csv; the manifest's [audio]; argument errors.
. test/lib.sh
fx=fixtures/sysfs/jetson-nano
FAN=fixtures/audio/computer-fan-hum-48k.wav

# the fan's left channel as a raw S32_LE mono stream (the capture's first choice)
python3 - "$FAN" "$TMPD/fan.raw" <<'PY'
import struct, sys, wave
w = wave.open(sys.argv[1], 'rb')
n = w.getnframes()
s = struct.unpack('<%dh' % (2 * n), w.readframes(n))
open(sys.argv[2], 'wb').write(struct.pack('<%di' % n, *[v << 16 for v in s[0::2]]))
PY
cat >"$TMPD/alsa.conf" <<CONF
pcm.fixture { type file slave.pcm "null" file "/dev/null" infile "$TMPD/fan.raw" format "raw" }
CONF
export ALSA_CONFIG_PATH="/usr/share/alsa/alsa.conf:$TMPD/alsa.conf"

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
done_testing
