#!/bin/sh
# record on a full disk (an 8 KiB tmpfs in a private mount namespace): it
# stops with the errno named, telemetry.csv ends on its last whole row, and
# the session replays. A session whose last row was cut short by something
# else (a kill mid-write) replays too, saying so.
. test/lib.sh
fx=fixtures/sysfs/jetson-nano
mkdir "$TMPD/small"
if unshare -m sh -c "mount -t tmpfs -o size=8k tmpfs '$TMPD/small'" 2>/dev/null; then
  unshare -m sh -c "mount -t tmpfs -o size=8k tmpfs '$TMPD/small' &&
    '$TP_BIN' record -o '$TMPD/small/s' --root $fx --duration 10 --interval 0.01 \
      >'$TMPD/out' 2>'$TMPD/err'; echo \$? >'$TMPD/rc'; cp -r '$TMPD/small/s' '$TMPD/copy'"
  check "record on a full disk exits 1" test "$(cat "$TMPD/rc")" = 1
  check "... naming the errno" grep -q "No space left on device" "$TMPD/err"
  check "telemetry.csv ends with a whole row" sh -c "tail -c 1 '$TMPD/copy/telemetry.csv' | od -c | grep -q '\\\\n'"
  check "every row has the header's cells" \
    awk -F, '/^#/ { next } NR > 0 && !n { n = NF; next } NF != n { exit 1 }' "$TMPD/copy/telemetry.csv"
  expect_exit 0 "the session replays" "$TP_BIN" replay "$TMPD/copy"
else
  for t in "record on a full disk exits 1" "... naming the errno" "telemetry.csv ends with a whole row" \
    "every row has the header's cells" "the session replays"; do
    skip "$t" "cannot mount a tmpfs in a private mount namespace (needs root)"
  done
fi

# a row cut short by a kill: left out, and said
cp -r fixtures/sessions/sim-lost "$TMPD/cut"
head -c -40 fixtures/sessions/sim-lost/telemetry.csv >"$TMPD/cut/telemetry.csv"
expect_exit 0 "replay of a session whose last row is cut short" "$TP_BIN" replay "$TMPD/cut"
check "... says the row was left out" grep -q "telemetry.csv:[0-9]*: the last row is cut short" "$TMPD/err"
check "... and its events are those of the whole rows" test -s "$TMPD/out"
# a malformed row that is not the last is still an error
sed '20s/,/,x/' fixtures/sessions/sim-lost/telemetry.csv >"$TMPD/cut/telemetry.csv"
expect_exit 1 "a malformed row inside the file is still an error" "$TP_BIN" replay "$TMPD/cut"
done_testing
