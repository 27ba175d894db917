#!/bin/sh
# record -o into a directory that holds links named like session files:
# nothing is written through them (every session file is created new,
# O_EXCL|O_NOFOLLOW), the files they point at stay as they were. And audio
# on a full disk stops record with the errno named.
. test/lib.sh
fx=fixtures/sysfs/jetson-nano
head -c 192000 /dev/urandom >"$TMPD/noise.raw"
alsa_fixture "$TMPD/noise.raw"

for f in audio.wav events.jsonl; do
  d="$TMPD/s-$f"
  mkdir "$d"
  echo "victim of $f" >"$TMPD/victim-$f"
  ln -s "$TMPD/victim-$f" "$d/$f"
  "$TP_BIN" record -o "$d" --root "$fx" --duration 0.3 --device fixture >"$TMPD/out" 2>"$TMPD/err"
  rc=$?
  check "$f a link: record refuses (exit $rc)" test "$rc" != 0
  check "$f a link: says which file" grep -q "$f" "$TMPD/err"
  check "$f a link: the file it points at is unchanged" test "$(cat "$TMPD/victim-$f")" = "victim of $f"
  check "$f a link: still a link" test -L "$d/$f"
done
# a dangling link is not followed either (it would create the target)
d="$TMPD/s-dangling"
mkdir "$d"
ln -s "$TMPD/created-through-link" "$d/audio.wav"
"$TP_BIN" record -o "$d" --root "$fx" --duration 0.3 --device fixture >"$TMPD/out" 2>"$TMPD/err"
check "a dangling audio.wav link: nothing created at its target" test ! -e "$TMPD/created-through-link"
# a plain file already there is not appended to nor truncated
d="$TMPD/s-plain"
mkdir "$d"
echo keep >"$d/events.jsonl"
"$TP_BIN" record -o "$d" --root "$fx" --duration 0.3 --device fixture >"$TMPD/out" 2>"$TMPD/err"
check "an events.jsonl already there is left as it was" test "$(cat "$d/events.jsonl")" = keep

# audio on a full disk: the errno named
mkdir "$TMPD/small"
if unshare -m sh -c "mount -t tmpfs -o size=64k tmpfs '$TMPD/small'" 2>/dev/null; then
  unshare -m sh -c "mount -t tmpfs -o size=64k tmpfs '$TMPD/small' &&
    '$TP_BIN' record -o '$TMPD/small/s' --root $fx --duration 5 --interval 0.5 --device fixture \
      >'$TMPD/out' 2>'$TMPD/err'; echo \$? >'$TMPD/rc'"
  check "audio on a full disk: record exits 1" test "$(cat "$TMPD/rc")" = 1
  check "... naming the errno" grep -q "audio.wav: No space left on device" "$TMPD/err"
  sed 's/^/# /' "$TMPD/err"
else
  skip "audio on a full disk: record exits 1" "cannot mount a tmpfs in a private mount namespace (needs root)"
  skip "... naming the errno" "cannot mount a tmpfs in a private mount namespace (needs root)"
fi
done_testing
