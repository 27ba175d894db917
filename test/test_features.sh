#!/bin/sh
# thermpace features: the CLI over the real fixtures, its outputs and its errors.
. test/lib.sh
FAN=fixtures/audio/computer-fan-hum-48k.wav
FRIDGE=fixtures/audio/fridge-hum.wav

expect_exit 0 "features --help" "$TP_BIN" features --help
check "help names the options" grep -q -- '--channel K' "$TMPD/out"
expect_exit 2 "no file" "$TP_BIN" features
expect_exit 2 "two files" "$TP_BIN" features "$FAN" "$FAN"
expect_exit 2 "bad --format" "$TP_BIN" features --format xml "$FAN"
expect_exit 2 "bad --fft" "$TP_BIN" features --fft 1000x "$FAN"
expect_exit 2 "odd --fft" "$TP_BIN" features --fft 4095 "$FAN"
expect_exit 2 "hop longer than the FFT" "$TP_BIN" features --fft 1024 --hop 2048 "$FAN"
expect_exit 2 "channel 0" "$TP_BIN" features --channel 0 "$FAN"
expect_exit 2 "channel 3 of a stereo file" "$TP_BIN" features --channel 3 "$FAN"
check "that says how many channels" grep -q "has 2 channels" "$TMPD/err"
expect_exit 2 "bad --bands" "$TP_BIN" features --bands 2k-1k "$FAN"
expect_exit 2 "option without its value" "$TP_BIN" features "$FAN" --fft
check "says which" grep -q "option '--fft' needs a value" "$TMPD/err"
expect_exit 2 "unknown option" "$TP_BIN" features --frobnicate "$FAN"
check "usage errors are one line" test "$(wc -l <"$TMPD/err")" = 1

# run-time failures: one clear line, status 1, nothing on stdout
: >"$TMPD/empty.wav"
expect_exit 1 "empty file" "$TP_BIN" features "$TMPD/empty.wav"
check "empty: one line naming the file" sh -c "test \$(wc -l <'$TMPD/err') = 1 && grep -q \"'$TMPD/empty.wav': is empty\" '$TMPD/err'"
check "empty: no output" test ! -s "$TMPD/out"
printf 'RIFF\044\000\000\000WAVEfmt garbage that is no format chunk' >"$TMPD/bad.wav"
expect_exit 1 "bad header" "$TP_BIN" features "$TMPD/bad.wav"
check "bad header: one line" test "$(wc -l <"$TMPD/err")" = 1
expect_exit 1 "missing file" "$TP_BIN" features "$TMPD/nope.wav"
check "missing: says why" grep -q "No such file or directory" "$TMPD/err"
expect_exit 1 "a directory" "$TP_BIN" features "$TMPD"
head -c 100000 "$FAN" >"$TMPD/cut.wav"
expect_exit 1 "truncated file" "$TP_BIN" features "$TMPD/cut.wav"
check "truncated: one line that says so" sh -c "test \$(wc -l <'$TMPD/err') = 1 && grep -q 'is truncated' '$TMPD/err'"
check "truncated: the frames present are still analysed" test "$(wc -l <"$TMPD/out")" = 2

# CSV
expect_exit 0 "fan as CSV" "$TP_BIN" features "$FAN"
check "CSV header" sh -c "head -1 '$TMPD/out' | grep -q '^t,rms_dbfs,centroid_hz,flatness,flux,rolloff_hz,peak1_hz,peak1_db,peak2_hz,peak2_db,peak3_hz,peak3_db,band_20_200_db,band_200_2k_db,band_2k_8k_db,band_8k_16k_db,band_16k_24k_db,clip_frac,rms_dbfs_p90'"
check "one row per second (10.5 s: 11)" test "$(wc -l <"$TMPD/out")" = 12
# the 11.52 kHz line in every row, among the three peaks, within 1 Hz
check "fan line in every second" awk -F, 'NR > 1 { ok = 0; for (i = 7; i <= 11; i += 2) if ($i != "" && $i > 11519 && $i < 11521) ok = 1; if (!ok) bad++ } END { exit bad > 0 }' "$TMPD/out"
cp "$TMPD/out" "$TMPD/fan.csv"
expect_exit 0 "channel 2" "$TP_BIN" features --channel 2 --peaks 1 "$FAN"
check "--peaks 1: 4 columns fewer" test "$(head -1 "$TMPD/out" | tr ',' '\n' | wc -l)" = 24

# JSON Lines: the same numbers
expect_exit 0 "fan as JSON Lines" "$TP_BIN" features --format jsonl "$FAN"
check "JSON Lines parse, same rows as CSV" python3 -c '
import json, sys, csv
rows = [json.loads(l) for l in open(sys.argv[1])]
table = list(csv.DictReader(open(sys.argv[2])))
assert len(rows) == len(table) == 11, (len(rows), len(table))
for j, c in zip(rows, table):
    for k, v in c.items():
        if v == "":
            assert j[k] is None, k
        else:
            assert abs(j[k] - float(v)) <= 1e-6 * max(1, abs(float(v))), (k, j[k], v)
' "$TMPD/out" "$TMPD/fan.csv"

# the fridge with a long FFT resolves its two low lines
expect_exit 0 "fridge, --fft 16384" "$TP_BIN" features --fft 16384 --peaks 4 "$FRIDGE"
check "fridge lines near 58.7 and 83.1 Hz" awk -F, 'NR > 1 { a = b = 0; for (i = 7; i <= 13; i += 2) { if ($i > 58.2 && $i < 59.2) a = 1; if ($i > 82.6 && $i < 83.6) b = 1 } if (!a || !b) bad++ } END { exit bad > 0 || NR != 5 }' "$TMPD/out"
expect_exit 0 "custom bands and hop" "$TP_BIN" features --bands 40-80,1k-1.2k --hop 1024 "$FRIDGE"
check "custom band columns" sh -c "head -1 '$TMPD/out' | grep -q 'band_40_80_db,band_1k_1k2_db,clip_frac'"
done_testing
