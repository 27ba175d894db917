#!/bin/sh
# thermpace record: a real process on a fixture board; duration, SIGINT and
# SIGTERM end it cleanly with whole lines and a valid manifest; energy.board
# is the integral of the (constant) board power over the exact sample times.
. test/lib.sh
fx=fixtures/sysfs/jetson-nano

# lines_whole FILE: every non-comment line ends in a newline and has the header's cell count
lines_whole() {
  [ "$(tail -c 1 "$1" | od -An -c | tr -d ' ')" = '\n' ] || return 1
  awk -F, '/^#/ { next } !n { n = NF; next } NF != n { bad = 1 } END { exit bad || !n }' "$1"
}
# rows FILE: data rows
rows() { grep -v '^#' "$1" | tail -n +2 | wc -l | tr -d ' '; }
# energy_ok FILE P: last energy.board within 1e-6 relative of P * (t_last - t_first)
energy_ok() {
  awk -F, -v p="$2" '
    /^#/ { next }
    !hdr { for (i = 1; i <= NF; i++) if ($i == "energy.board") e = i; hdr = 1; next }
    { if (!seen) { t0 = $1; seen = 1 } t = $1; last = $e }
    END {
      want = p * (t - t0)
      if (!e || want <= 0) exit 1
      rel = (last - want) / want; if (rel < 0) rel = -rel
      printf "# energy.board %.10g J, P x T %.10g J, relative error %.3g (tolerance 1e-6)\n", last, want, rel
      exit rel > 1e-6
    }' "$1"
}
# wait_rows FILE N: until FILE has N data rows (at most 10 s)
wait_rows() {
  i=0
  while [ "$i" -lt 200 ]; do
    [ -f "$1" ] && [ "$(rows "$1")" -ge "$2" ] && return 0
    sleep 0.05; i=$((i + 1))
  done
  return 1
}

s="$TMPD/dur"
expect_exit 0 "record 2 s at 0.05 s" "$TP_BIN" record -o "$s" --root "$fx" --duration 2 --interval 0.05
check "no warning for the PMIC placeholder the profile declares" sh -c "! grep -q sentinel '$TMPD/err'"
# t = 0 and 40 ticks; a tick served more than an interval late is counted as missed instead
missed=$(sed -n 's/^missed_ticks = //p' "$s/manifest.ini")
check "41 rows, less missed ticks ($missed)" test "$(rows "$s/telemetry.csv")" = $((41 - ${missed:-99}))
check "every line whole" lines_whole "$s/telemetry.csv"
check "header names the channels" grep -q '^t,temp.ao,temp.cpu,.*,power.board,.*,energy.board$' "$s/telemetry.csv"
check "first row at t = 0" grep -q '^0.000000,' "$s/telemetry.csv"
check "board comment" grep -q '^# board: jetson-nano$' "$s/telemetry.csv"
# the PMIC placeholder is declared by the profile: shown by probe, neither warned nor noted
check "no note for the declared PMIC placeholder" test "$(grep -c '^# t=[0-9.]* temp.pmic: reads 100 C' "$s/telemetry.csv")" = 0
check "PMIC cell empty" awk -F, '/^#/||/^t,/ {next} $6 != "" {exit 1}' "$s/telemetry.csv"
check "energy.board = 1.388 W x T within 1e-6" energy_ok "$s/telemetry.csv" 1.388
check "manifest complete" grep -q '^state = complete$' "$s/manifest.ini"
check "manifest says duration" grep -q '^stop = duration$' "$s/manifest.ini"
check "manifest board" grep -q '^board = jetson-nano$' "$s/manifest.ini"
check "manifest interval" grep -q '^interval_s = 0.05$' "$s/manifest.ini"
check "manifest rows" grep -q "^rows = $(rows "$s/telemetry.csv")\$" "$s/manifest.ini"
# the manifest's energy is the last row's: 1.388 W over the time really recorded
last_e=$(awk -F, '/^#/ {next} /^t,/ {for (i = 1; i <= NF; i++) if ($i == "energy.board") c = i; next} {e = $c} END {print e}' "$s/telemetry.csv")
check "manifest energy is the last row's ($last_e J)" awk -v want="$last_e" \
  '/^energy_board_j = / {got = $3} END {exit !(want > 2.5 && got - want < 1e-6 * want && want - got < 1e-6 * want)}' "$s/manifest.ini"
check "summary on stdout" grep -Eq '^recorded [0-9]+ rows of 26 channels into .*stopped by duration' "$TMPD/out"
expect_exit 0 "the session reads back (thermpace report)" "$TP_BIN" report "$s" -o "$TMPD/r.html"
expect_exit 1 "refuses to overwrite a session" "$TP_BIN" record -o "$s" --root "$fx" --duration 1
check "says it holds a session" grep -q 'already holds a session' "$TMPD/err"
check "the session is intact" grep -q "^rows = $(rows "$s/telemetry.csv")\$" "$s/manifest.ini"

for sig in INT TERM; do
  s="$TMPD/sig$sig"
  "$TP_BIN" record -o "$s" --root "$fx" --interval 0.02 >"$TMPD/sig.out" 2>"$TMPD/sig.err" &
  pid=$!
  # past 1.2 s, the 1 us resolution of t in the file is below 1e-6 of T
  if wait_rows "$s/telemetry.csv" 61; then
    kill -"$sig" "$pid"
    wait "$pid"; rc=$?
    check "SIG$sig: exit status 0 (got $rc)" test "$rc" = 0
    check "SIG$sig: every line whole" lines_whole "$s/telemetry.csv"
    check "SIG$sig: manifest complete" grep -q '^state = complete$' "$s/manifest.ini"
    check "SIG$sig: manifest says SIG$sig" grep -q "^stop = SIG$sig\$" "$s/manifest.ini"
    check "SIG$sig: manifest rows match the file" grep -q "^rows = $(rows "$s/telemetry.csv")\$" "$s/manifest.ini"
    check "SIG$sig: energy.board = P x T within 1e-6" energy_ok "$s/telemetry.csv" 1.388
  else
    kill -KILL "$pid" 2>/dev/null; wait "$pid"
    not_ok "SIG$sig: no rows within 10 s"; sed 's/^/#   /' "$TMPD/sig.err"
  fi
done

# killed outright: the lines written are whole and the manifest says it was recording
s="$TMPD/killed"
"$TP_BIN" record -o "$s" --root "$fx" --interval 0.01 >/dev/null 2>&1 &
pid=$!
if wait_rows "$s/telemetry.csv" 20; then
  kill -KILL "$pid"; wait "$pid"
  check "SIGKILL: every line whole" lines_whole "$s/telemetry.csv"
  check "SIGKILL: manifest still valid, state recording" grep -q '^state = recording$' "$s/manifest.ini"
else
  kill -KILL "$pid" 2>/dev/null; wait "$pid"; not_ok "SIGKILL: no rows within 10 s"
fi

expect_exit 0 "record --help" "$TP_BIN" record --help
check "usage on stdout" grep -q '^usage: thermpace record -o DIR' "$TMPD/out"
expect_exit 2 "record without -o" "$TP_BIN" record --root "$fx"
check "says -o is required" grep -q -- '-o DIR is required' "$TMPD/err"
expect_exit 2 "record --interval 0" "$TP_BIN" record -o "$TMPD/x" --interval 0 --root "$fx"
expect_exit 2 "record --interval abc" "$TP_BIN" record -o "$TMPD/x" --interval abc --root "$fx"
expect_exit 2 "record --duration -1" "$TP_BIN" record -o "$TMPD/x" --duration -1 --root "$fx"
expect_exit 2 "record with an unknown option" "$TP_BIN" record -o "$TMPD/x" --bogus
expect_exit 2 "record with an unknown board" "$TP_BIN" record -o "$TMPD/x" --board nope --root "$fx"
expect_exit 1 "record with a missing root" "$TP_BIN" record -o "$TMPD/x" --root "$TMPD/none"
mkdir -p "$TMPD/empty"
expect_exit 1 "record with nothing to read" "$TP_BIN" record -o "$TMPD/y" --root "$TMPD/empty" --duration 0.1
check "says no channel was found" grep -q 'no telemetry channel found' "$TMPD/err"
: >"$TMPD/file"
expect_exit 1 "record into a path under a file" "$TP_BIN" record -o "$TMPD/file/s" --root "$fx" --duration 0.1
check "says the directory cannot be created" grep -q "cannot create '$TMPD/file/s'" "$TMPD/err"
done_testing
