#!/bin/sh
# The published room where the load moved between settled levels: an Orin-
# class board drawn 21 % under its class's resistance idles, runs at full
# rate, then at half. Two levels tell the room from the resistance, so the
# room published comes closer and with a smaller sd than under the same
# board held at full rate all along (where only the class's priors split
# what the reading says). Before the levels were used the moved session's
# ambient MAE was 3.34 K.
. test/lib.sh

scenario() { # LOAD_LINES: the scenario with that [load] section
  cat <<INI
[scenario]
name = ambient-levels
description = network plant, class orin, a board drawn 21 % under its class's resistance
board = sim-orin
duration_s = 15000
interval_s = 1
seed = 170546829587418

[plant]
model = network
class = orin
ambient_c = 24.1
initial = steady
max_rate = 20

[throttle]
zone = temp.gpu

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
step = 5000 20
step = 10000 10" >"$TMPD/moved.ini"
scenario "profile = constant
rate = 20" >"$TMPD/flat.ini"
for s in moved flat; do
  "$TP_BIN" sim -s "$TMPD/$s.ini" --no-audio -o "$TMPD/$s" >/dev/null 2>&1 ||
    not_ok "sim $s"
done

mae=$("$TP_BIN" eval "$TMPD/moved" --json | sed -n 's/.*"ambient_mae_after_30min":\([-0-9.e]*\).*/\1/p')
check "moved load: ambient MAE after 30 min $mae <= 2.5 K" awk -v m="$mae" 'BEGIN { exit !(m != "" && m <= 2.5) }'

am=$(stop_field "$TMPD/moved" ambient_c)
sm=$(stop_field "$TMPD/moved" ambient_sd_c)
sf=$(stop_field "$TMPD/flat" ambient_sd_c)
check "moved load: room $am within 2 sd ($sm) of 24.1" \
  awk -v a="$am" -v s="$sm" 'BEGIN { d = a - 24.1; if (d < 0) d = -d; exit !(a != "" && d <= 2 * s) }'
check "the levels narrow the room's sd: $sm < $sf (held load)" \
  awk -v a="$sm" -v b="$sf" 'BEGIN { exit !(a != "" && b != "" && a + 0.5 < b) }'
done_testing
