#!/bin/sh
# The sound model saved per board (docs/acoustics.md): thermpace run with the
# Jetson Nano fixture tree and its contact microphone replayed through
# alsa-lib's file plugin learns the board's idle sound, keeps it in
# STATE/jetson-nano.sound.ini when it exits, and a second run judges from its
# first settled seconds instead of after 15 s of learning. A malformed,
# linked or foreign model is one warning and learning starts afresh; replay
# --sound-model / --save-sound-model do the same for a recording.
. test/lib.sh
FAN=fixtures/audio/computer-fan-hum-48k.wav

alsa_fixture_wav "$FAN"
cp -r fixtures/sysfs/jetson-nano "$TMPD/nano"
# run NAME STATE SECONDS: a run with the microphone, its stderr in $TMPD/NAME.err
run() {
  THERMPACE_STATE_DIR=$2 "$TP_BIN" run --root "$TMPD/nano" --runtime-dir "$TMPD/rt-$1" \
    --interval 0.2 --device fixture -- sleep "$3" >/dev/null 2>"$TMPD/$1.err"
}
# first NAME: the first judged second of that run (seconds), "none" when none
first() { sed -n 's/.*first judged second at \([0-9]*\) s.*/\1/p; s/.*first judged second none.*/none/p' "$TMPD/$1.err"; }
said() { grep -q "$2" "$TMPD/$1.err" || { sed 's/^/#   /' "$TMPD/$1.err"; return 1; }; }

mkdir -m 700 "$TMPD/state" "$TMPD/bad" "$TMPD/link" "$TMPD/open"
M="$TMPD/state/jetson-nano.sound.ini"
printf '[sound]\nversion = 1\n[idle]\nn = x\n' >"$TMPD/bad/jetson-nano.sound.ini"
echo keep >"$TMPD/target"
ln -s "$TMPD/target" "$TMPD/link/jetson-nano.sound.ini"
chmod 777 "$TMPD/open"
# the short runs beside the long one
run bad "$TMPD/bad" 3 & b=$!
run link "$TMPD/link" 3 & l=$!
run open "$TMPD/open" 3 & o=$!
run learn "$TMPD/state" 22
wait "$b" "$l" "$o"

f1=$(first learn)
check "a fresh model judges only after learning ($f1 s >= 15)" test "${f1:-0}" != none -a "${f1:-0}" -ge 15
check "the learned model is kept in STATE/BOARD.sound.ini" said learn "kept in '$M'"
check "it is a file only its owner can write" sh -c "[ -f '$M' ] && [ ! -L '$M' ] && [ -z \"\$(find '$M' -perm /022)\" ]"
check "it holds the idle class" grep -q '^\[idle\]' "$M"
run again "$TMPD/state" 6
f2=$(first again)
check "the next run says it uses the saved model" said again "using the saved sound model '$M' for board jetson-nano"
check "... and judges at once ($f2 s <= 3, was $f1 s)" test "${f2:-99}" != none -a "${f2:-99}" -le 3
echo "# first judged second: $f1 s learning afresh, $f2 s from the saved model"

check "a malformed model: one warning with FILE:LINE" \
  said bad "warning: the saved sound model is not used, learning starts afresh: $TMPD/bad/jetson-nano.sound.ini:4: \[idle\] n: not a number >= 0"
check "... the run goes on, learning afresh" said bad "first judged second none"
check "a linked model is not read" said link "a symbolic link, not read"
check "... and not written through: the link is replaced, its target kept" \
  sh -c "[ ! -L '$TMPD/link/jetson-nano.sound.ini' ] && [ \"\$(cat '$TMPD/target')\" = keep ]"
check "a state directory others can write is not used" said open "not a directory of uid"
check "... and nothing is kept there" test ! -e "$TMPD/open/jetson-nano.sound.ini"

# ---- a recording replayed from a saved model ----
S=fixtures/sessions/sim-audio
"$TP_BIN" replay "$S" --save-sound-model "$TMPD/r.ini" >/dev/null 2>"$TMPD/r0.err"
"$TP_BIN" replay "$S" --sound-model "$TMPD/r.ini" >/dev/null 2>"$TMPD/r1.err"
r0=$(first r0) r1=$(first r1)
check "replay --save-sound-model writes the model" grep -q '^version = 1' "$TMPD/r.ini"
check "replay --sound-model judges sooner ($r1 s < $r0 s)" test "${r1:-99}" -lt "${r0:-0}"
printf '[sound]\nversion = 1\n[decode]\nline.3 = 0.5 1\n' >"$TMPD/bad.ini"
expect_exit 1 "replay --sound-model with a malformed file fails naming the file" \
  "$TP_BIN" replay "$S" --sound-model "$TMPD/bad.ini"
check "... the message" grep -q "bad.ini: \[decode\] line.3 needs line.3, .hz and .db" "$TMPD/err"
check "a run that learned after a malformed model replaced it" said bad "kept in"
done_testing
