#!/bin/sh
# The daemon's configuration file (--config FILE, src/cli/daemon_opts.h):
# every option there under its long name, the command line winning, unknown
# sections and keys and bad values refused as FILE:LINE: why (exit 2).
. test/lib.sh
ROOT="$TMPD/root"
cp -r fixtures/sysfs/jetson-nano "$ROOT"
CONF="$TMPD/thermpace.ini"
cat >"$CONF" <<EOC
; the lab's board
[daemon]
root = $ROOT
runtime_dir = $TMPD/rt
interval = 0.2
events = $TMPD/from-file.jsonl
controller = pi

[serve]
unit = llama-server.service
session_dir = $TMPD/sessions
EOC

expect_exit 0 "run takes its options from the file" $TP_BIN run --config "$CONF" -- true
check "the file's events path was used" test -s "$TMPD/from-file.jsonl"
check "the file's board was detected under its root" grep -q '"session_start"' "$TMPD/from-file.jsonl"
rm -f "$TMPD/from-file.jsonl"
expect_exit 0 "the command line wins" $TP_BIN run --config "$CONF" --events "$TMPD/cli.jsonl" -- true
check "the command line's events path was used" test -s "$TMPD/cli.jsonl"
check "not the file's" test ! -e "$TMPD/from-file.jsonl"
expect_exit 0 "--config none reads no file" $TP_BIN run --config none --root "$ROOT" \
  --runtime-dir "$TMPD/rt" --events "$TMPD/none.jsonl" -- true
check "... and runs" test -s "$TMPD/none.jsonl"

# a command's own section over [daemon], wherever each is; another command's not taken
cat >"$TMPD/sections.ini" <<EOC
[run]
events = $TMPD/run-own.jsonl
[serve]
events = $TMPD/serve-own.jsonl
metrics = 127.0.0.1:1
[daemon]
root = $ROOT
runtime_dir = $TMPD/rt
events = $TMPD/shared.jsonl
[attach]
events = $TMPD/attach-own.jsonl
EOC
expect_exit 0 "run with [daemon], [run] and others' sections" $TP_BIN run --config "$TMPD/sections.ini" -- true
check "[run] wins over [daemon], though it comes first" test -s "$TMPD/run-own.jsonl"
check "[daemon]'s events not used by run" test ! -e "$TMPD/shared.jsonl"
check "[serve]'s and [attach]'s not used by run (no metrics on port 1, no their events)" \
  sh -c "test ! -e '$TMPD/serve-own.jsonl' && test ! -e '$TMPD/attach-own.jsonl'"
printf '[attach]\nsession = /tmp/x\n' >"$TMPD/bad.ini"
expect_exit 2 "[attach] takes no session" $TP_BIN run --config "$TMPD/bad.ini" -- true
check "... unknown key there" grep -q "bad.ini:2: unknown key 'session' in \[attach\]" "$TMPD/err"

# refused: exit 2 and one line naming the file and the line
refused() {
  name=$1 want=$2; shift 2
  expect_exit 2 "$name" $TP_BIN run --config "$TMPD/bad.ini" -- true
  if [ "$(wc -l <"$TMPD/err")" = 1 ] && grep -qF "$want" "$TMPD/err"; then ok "$name: says '$want'"
  else not_ok "$name: says '$want'"; sed 's/^/#   /' "$TMPD/err"; fi
}
printf '[daemon]\nroot = /\n\nceilng = 70\n' >"$TMPD/bad.ini"
refused "a misspelled key" "$TMPD/bad.ini:4: unknown key 'ceilng' in [daemon]"
printf '[daemon]\nceiling = hot\n' >"$TMPD/bad.ini"
refused "a bad value" "$TMPD/bad.ini:2: ceiling wants a temperature in C, not 'hot'"
printf '[daemon]\ninterval = 0.5\n[deamon]\nboard = rpi5\n' >"$TMPD/bad.ini"
refused "an unknown section" "$TMPD/bad.ini:4: unknown section [deamon]"
printf '[serve]\npid = 1x\n' >"$TMPD/bad.ini"
refused "another command's section is checked too" "$TMPD/bad.ini:2: pid wants a process id, not '1x'"
printf '[daemon]\npid = 1234\n' >"$TMPD/bad.ini"
refused "a target is not a [daemon] key" "$TMPD/bad.ini:2: unknown key 'pid' in [daemon]"
printf '[daemon]\nllama-server = http://x/metrics\n' >"$TMPD/bad.ini"
refused "keys are spelt with _" "$TMPD/bad.ini:2: unknown key 'llama-server' in [daemon]"
printf '[daemon]\nboard =\n' >"$TMPD/bad.ini"
refused "an empty name" "$TMPD/bad.ini:2: board wants a name or a path, not ''"
printf '[daemon\nboard = x\n' >"$TMPD/bad.ini"
refused "a syntax error" "$TMPD/bad.ini:1: "
expect_exit 2 "a missing file" $TP_BIN run --config "$TMPD/no-such.ini" -- true
check "... says so" grep -q "no-such.ini: No such file or directory" "$TMPD/err"
expect_exit 2 "attach: serve's --unit refused" $TP_BIN attach --config none --unit x.service
check "... says it is for serve" grep -q "attach: --unit is for serve" "$TMPD/err"
expect_exit 2 "run: --pid refused" $TP_BIN run --config none --pid 5 -- true
check "... says it is for attach and serve" grep -q "run: --pid is for attach and serve" "$TMPD/err"
done_testing
