#!/bin/sh
# The published room where the load moved between settled levels: a Pi 5-
# class board drawn 9 % under its class's resistance idles, runs at full
# rate, then at half. Two levels tell the room from the resistance, so the
# room published comes closer and with a smaller sd than under the same
# board held at full rate all along (where only the class's priors split
# what the reading says). Before the levels were used the moved session's
# ambient MAE was 1.09 K. Then a cold start and a board found resting cool.
. test/lib.sh

scenario() { # LOAD_LINES: the scenario with that [load] section
  cat <<INI
[scenario]
name = ambient-levels
description = network plant, class pi5, a board drawn 9 % under its class's resistance
board = sim-pi5
duration_s = 15000
interval_s = 1
seed = 103202472318765

[plant]
model = network
class = pi5
ambient_c = 19.9
initial = steady
max_rate = 5

[throttle]
zone = temp.cpu

[audio]
rate = 0

[load]
$1
INI
}

stop_field() { # SESSION FIELD: the session_stop event's FIELD
  "$TP_BIN" replay "$1" | grep '"session_stop"' | sed -n "s/.*\"$2\":\([-0-9.e]*\).*/\1/p"
}

scenario "profile = steps
rate = 0
step = 5000 5
step = 10000 2.5" >"$TMPD/moved.ini"
scenario "profile = constant
rate = 5" >"$TMPD/flat.ini"
for s in moved flat; do
  "$TP_BIN" sim -s "$TMPD/$s.ini" --no-audio -o "$TMPD/$s" >/dev/null 2>&1 ||
    not_ok "sim $s"
done

mae=$("$TP_BIN" eval "$TMPD/moved" --json | sed -n 's/.*"ambient_mae_after_30min":\([-0-9.e]*\).*/\1/p')
check "moved load: ambient MAE after 30 min $mae <= 0.6 K" awk -v m="$mae" 'BEGIN { exit !(m != "" && m <= 0.6) }'

am=$(stop_field "$TMPD/moved" ambient_c)
sm=$(stop_field "$TMPD/moved" ambient_sd_c)
sf=$(stop_field "$TMPD/flat" ambient_sd_c)
check "moved load: room $am within 2 sd ($sm) of 19.9" \
  awk -v a="$am" -v s="$sm" 'BEGIN { d = a - 19.9; if (d < 0) d = -d; exit !(a != "" && d <= 2 * s) }'
check "the levels narrow the room's sd: $sm < $sf (held load)" \
  awk -v a="$sm" -v b="$sf" 'BEGIN { exit !(a != "" && b != "" && a + 0.5 < b) }'

# The same board found cold at half rate: the first reading is the room, and
# it warms as a cold board does, so the room stays pinned under the held
# load (1.25 K off, sd 3.0 K, before the cold start was used).
sed -e 's/^initial = steady/initial = ambient/' -e 's/^duration_s = 15000/duration_s = 7200/' \
  "$TMPD/flat.ini" | sed 's/^rate = 5$/rate = 2.5/' >"$TMPD/cold.ini"
"$TP_BIN" sim -s "$TMPD/cold.ini" --no-audio -o "$TMPD/cold" >/dev/null 2>&1 || not_ok "sim cold"
mae=$("$TP_BIN" eval "$TMPD/cold" --json | sed -n 's/.*"ambient_mae_after_30min":\([-0-9.e]*\).*/\1/p')
check "cold start: ambient MAE after 30 min $mae <= 0.8 K" awk -v m="$mae" 'BEGIN { exit !(m != "" && m <= 0.8) }'
ac=$(stop_field "$TMPD/cold" ambient_c)
sc=$(stop_field "$TMPD/cold" ambient_sd_c)
check "cold start: room $ac within 2 sd ($sc) of 19.9" \
  awk -v a="$ac" -v s="$sc" 'BEGIN { d = a - 19.9; if (d < 0) d = -d; exit !(a != "" && d <= 2 * s) }'

# A board found resting cooler than its class (the reading flat): no cold
# start, the room is the split of the reading as before.
cat >"$TMPD/rest.csv" <<CSV
# board: sim
t,temp.cpu,power.board
CSV
i=0
while [ $i -le 600 ]; do echo "$i,40,3.8" >>"$TMPD/rest.csv"; i=$((i + 1)); done
ar=$("$TP_BIN" replay "$TMPD/rest.csv" | grep '"session_stop"' | sed -n 's/.*"ambient_c":\([-0-9.e]*\).*/\1/p')
check "resting board: room $ar under the reading less half its class's idle rise" \
  awk -v a="$ar" 'BEGIN { exit !(a != "" && a < 40 - 0.5 * 7.222 * 3.8) }'
done_testing
