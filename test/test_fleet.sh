#!/bin/sh
# The fleet on one machine (test/fleet.py, docs/fleet.md), briefly: three
# simulated boards with the agent check behind Debian's haproxy, one hot.
# HAProxy takes the agents' weights, the hot board gets fewer requests than
# the coolest, and no request fails. Skips when haproxy is absent.
. test/lib.sh
if [ ! -x "${HAPROXY:-/usr/sbin/haproxy}" ]; then
  skip "a fleet behind haproxy" "haproxy not installed (Debian package 'haproxy')"
  done_testing; exit $?
fi
python3 test/fleet.py "$TP_BUILD" --mode agent --duration 1200 --speed 60 --clients 4 \
  --tokens 16 --tail 10 >"$TMPD/f.json" 2>"$TMPD/f.err"
rc=$?
check "the fleet ran (exit $rc)" [ "$rc" = 0 ]
sed 's/^/#   /' "$TMPD/f.err" | tail -5
# each check as "1 NAME" or "0 NAME", made into TAP here
python3 - "$TMPD/f.json" >"$TMPD/checks" <<'PY'
import json, sys
try:
    d = json.load(open(sys.argv[1]))
except ValueError:
    print("0 the fleet printed its result")
    sys.exit(0)
def check(name, cond):
    print("%d %s" % (1 if cond else 0, name))
b = {x["name"]: x for x in d["boards"]}
check("requests were served (%d)" % d["requests"], d["requests"] > 10)
check("none failed (%d)" % d["failed"], d["failed"] == 0)
check("every board answered its agent check with a weight",
      all(any(a[1].startswith("up ready ") for a in x["agent"]) for x in d["boards"]))
hot = [w for (_, st, w) in b["b3-hot"]["haproxy"]]
check("haproxy took the hot board's weight under 100 (%s)" % hot[-3:], min(hot) < 100)
check("the hot board got no more requests than the coolest (%d <= %d)"
      % (b["b3-hot"]["requests"], b["b1"]["requests"]),
      b["b3-hot"]["requests"] <= b["b1"]["requests"])
check("no board over its ceiling", all((x["seconds_over_ceiling"] or 0) == 0 for x in d["boards"]))
check("no request reached a drained board past two agent intervals",
      all(x["arrivals_while_drained"] == 0 for x in d["boards"]))
PY
while read -r res name; do
  if [ "$res" = 1 ]; then ok "$name"; else not_ok "$name"; fi
done <"$TMPD/checks"
done_testing
