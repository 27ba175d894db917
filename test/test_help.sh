#!/bin/sh
# The help texts, manual pages and bash completion say what the parsers take:
# every long option in a command's getopt table (src/cli/*.c) is in its
# --help, every option its --help names is parsed (never "unknown option"),
# and tools/gen-docs writes the pages (help2man) and the completion from
# those texts: the pages render without a warning, the completion completes.
. test/lib.sh
cmds=$("$TP_BIN" --help | sed -n '/^commands:/,/^$/s/^  \([a-z]*\) .*/\1/p')
check "the commands are listed" test -n "$cmds"
expect_exit 0 "-V says the version" "$TP_BIN" -V
check "... the same as --version" sh -c "test \"\$('$TP_BIN' -V)\" = \"\$('$TP_BIN' --version)\""

# options a table has and its --help does not say: the tests' own knobs
hidden="--session-rotate"
for c in $cmds; do
  "$TP_BIN" "$c" --help >"$TMPD/help.$c" 2>&1 || not_ok "$c --help exits 0"
done
check "every option of every getopt table is in its command's --help" python3 - "$TP_BIN" "$TMPD" "$hidden" $cmds <<'PY'
import re, subprocess, sys, os
tp, tmp, hidden, cmds = sys.argv[1], sys.argv[2], sys.argv[3].split(), sys.argv[4:]
def for_this(c, o):
    """The daemon commands share one table; the parser says which are not theirs."""
    if c not in ("run", "attach", "serve"):
        return True
    r = subprocess.run([tp, c, "--" + o, "x", "--help"], capture_output=True, text=True)
    return " is for " not in r.stderr and "unknown option" not in r.stderr
missing = []
for c in cmds:
    srcs = ["src/cli/cmd_%s.c" % c]
    if c in ("run", "attach", "serve"):
        srcs.append("src/cli/daemon_opts.c")
    opts = set()
    for s in srcs:
        if os.path.exists(s):
            opts |= set(re.findall(r'\{"([a-z][a-z0-9-]*)", (?:required|no|optional)_argument', open(s).read()))
    text = open(os.path.join(tmp, "help." + c)).read()
    for o in sorted(opts):
        if "--" + o not in hidden and for_this(c, o) and not re.search(r"(?<![\w-])--%s(?![\w-])" % re.escape(o), text):
            missing.append("%s --%s" % (c, o))
if missing:
    print("# not in --help: " + ", ".join(missing))
sys.exit(1 if missing else 0)
PY
bad=""
for c in $cmds; do
  for o in $(sed -n 's/^ \{2,6\}\(-[a-zA-Z], \)\{0,1\}\(--[a-z][a-z0-9-]*\).*/\2/p' "$TMPD/help.$c" | sort -u); do
    [ "$o" = --help ] && continue
    # with no value (or a bad one) the parser answers; it must know the name
    timeout 5 "$TP_BIN" "$c" "$o" </dev/null >/dev/null 2>"$TMPD/e" &
    w=$!
    sleep 0.05
    kill -TERM $w 2>/dev/null
    wait $w 2>/dev/null
    grep -q "unknown option" "$TMPD/e" && bad="$bad $c$o"
  done
done
check "every option a --help names is parsed${bad:+ (unknown:$bad)}" test -z "$bad"

if command -v help2man >/dev/null 2>&1; then
  expect_exit 0 "tools/gen-docs writes the pages and the completion" tools/gen-docs "$TP_BIN" "$TMPD/docs"
  n=0; warn=""
  for p in "$TMPD"/docs/man/*.[15]; do
    n=$((n + 1))
    LC_ALL=C.UTF-8 groff -ww -z -man "$p" 2>"$TMPD/g" || warn="$warn $(basename "$p")"
    [ -s "$TMPD/g" ] && warn="$warn $(basename "$p")"
  done
  want=$(($(echo "$cmds" | wc -w) + 2))
  check "a page for thermpace, each command and thermpace.ini ($n of $want)" test "$n" = "$want"
  check "the pages render without a warning${warn:+ (warned:$warn)}" test -z "$warn"
  proto=$TMPD/docs/man/thermpace-protocol.7
  LC_ALL=C.UTF-8 groff -ww -z -t -man "$proto" 2>"$TMPD/g"
  check "thermpace-protocol(7) from docs/protocol.md renders without a warning" test ! -s "$TMPD/g"
  check "... with every request of the protocol" sh -c "for r in HELLO NEXT TOKENS 'CALL BEGIN' RATE PING BYE; do grep -q \"\$r\" '$proto' || exit 1; done"
  check "thermpace-serve(1) has --unit" grep -q 'unit' "$TMPD/docs/man/thermpace-serve.1"
  check "thermpace.ini(5) has unit, in [serve] only" grep -A2 -q '^\.B unit' "$TMPD/docs/man/thermpace.ini.5"
  check "thermpace.ini(5): pid in [serve] only, as the parser takes it" \
    sh -c "grep -A2 '^\\.B pid' '$TMPD/docs/man/thermpace.ini.5' | grep -q 'in \\[serve\\] only'"
  comp=$TMPD/docs/completion/thermpace
  check "the completion is valid bash" bash -n "$comp"
  complete_words() { bash -c ". '$comp'; COMP_WORDS=($1); COMP_CWORD=\$((\${#COMP_WORDS[@]} - 1)); _thermpace; echo \"\${COMPREPLY[*]}\""; }
  check "completes a command" sh -c "test \"\$(complete_words() { :; }; bash -c \". '$comp'; COMP_WORDS=(thermpace se); COMP_CWORD=1; _thermpace; echo \\\${COMPREPLY[*]}\")\" = 'serve'"
  check "completes an option of that command" sh -c "bash -c \". '$comp'; COMP_WORDS=(thermpace serve --un); COMP_CWORD=2; _thermpace; echo \\\${COMPREPLY[*]}\" | grep -qx -- --unit"
  check "completes a controller" sh -c "bash -c \". '$comp'; COMP_WORDS=(thermpace run --controller ho); COMP_CWORD=3; _thermpace; echo \\\${COMPREPLY[*]}\" | grep -qx horizon"
else
  skip "manual pages and completion" "help2man is not installed (make deps installs it)"
fi
# progress on a terminal only (script(1) gives the command one)
"$TP_BIN" eval fixtures/sessions >/dev/null 2>"$TMPD/plain"
check "eval: nothing extra on stderr when it is not a terminal" test ! -s "$TMPD/plain"
if command -v script >/dev/null 2>&1; then
  script -qec "'$TP_BIN' eval fixtures/sessions >/dev/null" /dev/null >"$TMPD/tty" 2>&1
  check "eval: progress on a terminal" grep -q 'eval: fixtures/sessions: session [0-9]* of [0-9]*' "$TMPD/tty"
  script -qec "'$TP_BIN' replay fixtures/sessions/orin-janus >/dev/null" /dev/null >"$TMPD/tty" 2>&1
  check "replay: progress on a terminal, the line cleared at the end" \
    sh -c "grep -q 'replay: [0-9]* s of session' '$TMPD/tty' && tail -c 4 '$TMPD/tty' | od -c | grep -q 'K'"
  script -qec "'$TP_BIN' sim --scenario fixtures/scenarios/net/nano-clean.ini -o '$TMPD/simp' >/dev/null" /dev/null >"$TMPD/tty" 2>&1
  check "sim: progress on a terminal" grep -q 'sim: [0-9]* of [0-9]* board seconds' "$TMPD/tty"
  script -qec "'$TP_BIN' fit fixtures/sessions/pi3b-1111000011 >/dev/null" /dev/null >"$TMPD/tty" 2>&1
  check "fit: progress on a terminal, each step" sh -c "grep -q 'fit: identifying the model' '$TMPD/tty' && grep -q 'fit: validating' '$TMPD/tty'"
  "$TP_BIN" fit fixtures/sessions/pi3b-1111000011 >/dev/null 2>"$TMPD/plain"
  check "fit: nothing extra when stderr is not a terminal" test ! -s "$TMPD/plain"
else
  skip "progress on a terminal" "script (bsdutils) is not installed"
fi
done_testing
