#!/bin/sh
# Fleet benchmark (make bench): three simulated boards on the loopback, each
# a `thermpace serve --scenario` on its own plant pacing its own HTTP
# inference stand-in, one of them in a hot spot, behind Debian's haproxy (test/fleet.py). The same offered load (a
# fixed number of concurrent clients) is routed once with the agent check's
# weights and once plain round-robin. Prints the fleet table and each target
# met or not met; exits 1 when a target is missed, 0 with a reason when
# haproxy is absent.
# Usage: test/bench_fleet.sh [BUILD_DIR]   (from the source tree root)
# BENCH_FLEET_SPEED (default 60) board seconds per wall second,
# BENCH_FLEET_DURATION (default 4800) board seconds per run,
# BENCH_FLEET_CLIENTS (default 4) concurrent clients.
build=${1:-build/rel}
speed=${BENCH_FLEET_SPEED:-60}
dur=${BENCH_FLEET_DURATION:-4800}
clients=${BENCH_FLEET_CLIENTS:-4}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

echo "== fleet: 3 simulated boards behind haproxy, agent check against round-robin"
if [ ! -x "${HAPROXY:-/usr/sbin/haproxy}" ]; then
  echo "   skipped: haproxy is not installed (apt-get install haproxy)"
  exit 0
fi
for mode in agent rr; do
  python3 test/fleet.py "$build" --mode "$mode" --speed "$speed" --duration "$dur" \
    --clients "$clients" --tokens 24 >"$tmp/$mode.json" 2>"$tmp/$mode.err"
  rc=$?
  if [ "$rc" = 77 ]; then
    echo "   skipped: $(cat "$tmp/$mode.err")"
    exit 0
  fi
  if [ "$rc" != 0 ]; then
    echo "   the $mode run failed:"; sed 's/^/   | /' "$tmp/$mode.err"
    exit 1
  fi
done
python3 - "$tmp/agent.json" "$tmp/rr.json" <<'PY'
import json, sys
a = json.load(open(sys.argv[1])); r = json.load(open(sys.argv[2]))
print("   %d board s at speed %g (%.0f s of wall time each), %d clients, %d tokens a request,"
      " agent-inter %.1f s" % (a["duration_s"], a["speed"], a["wall_s"], a["clients"],
                               a["tokens_per_request"], a["agent_inter_s"]))

def weights(b, n=8):
    """HAProxy's weight for the board at n instants across the run."""
    h = b["haproxy"]
    out = []
    for k in range(n):
        t = a["wall_s"] * k / (n - 1)
        cur = "-"
        for (ti, st, w) in h:
            if ti <= t:
                cur = ("D" if st.startswith("DRAIN") else "x" if st.startswith("DOWN") else "") + str(w)
        out.append(cur)
    return " ".join("%4s" % x for x in out)

print("   %-8s %-6s %-38s %8s %8s %9s   %8s %8s %9s" % (
    "board", "amb C", "agent: haproxy weight over time", "requests", "tokens", "s > ceil",
    "rr: req", "tokens", "s > ceil"))
for ba, br in zip(a["boards"], r["boards"]):
    amb = "%g" % ba["ambient_c"] + ("->%g" % ba["hot_c"] if ba["hot_c"] else "")
    print("   %-8s %-6s %-38s %8d %8d %9.1f   %8d %8d %9.1f" % (
        ba["name"], amb, weights(ba), ba["requests"], ba["tokens"],
        ba["seconds_over_ceiling"] or 0, br["requests"], br["tokens"],
        br["seconds_over_ceiling"] or 0))
rows = [("fleet tokens per hour (board time)", "fleet_tokens_per_hour", "%.0f"),
        ("requests completed", "requests", "%d"),
        ("requests failed", "failed", "%d"),
        ("p50 request latency, s", "latency_p50_s", "%.2f"),
        ("p95 request latency, s", "latency_p95_s", "%.2f")]
print("   %-36s %12s %12s" % ("", "agent", "round-robin"))
for name, key, fmt in rows:
    print("   %-36s %12s %12s" % (name, fmt % a[key], fmt % r[key]))
ok = True
def target(name, cond):
    global ok
    print("   target: %-62s %s" % (name, "met" if cond else "not met"))
    ok = ok and cond
tph = a["fleet_tokens_per_hour"] / r["fleet_tokens_per_hour"]
p95 = a["latency_p95_s"] / r["latency_p95_s"]
drains = sum(len(b["drained_spans"]) for b in a["boards"])
late = sum(b["arrivals_while_drained"] for b in a["boards"])
target("fleet tokens/hour >= 1.15x round-robin (%.2fx)" % tph, tph >= 1.15)
target("p95 latency <= 0.75x round-robin (%.2fx)" % p95, p95 <= 0.75)
target("0 s over the ceiling on every board, both runs",
       all((b["seconds_over_ceiling"] or 0) == 0 for b in a["boards"] + r["boards"]))
target("no request to a drained board past 2 agent intervals (%d drains, %d late)"
       % (drains, late), late == 0)
target("no request failed (%d with agent, %d round-robin)" % (a["failed"], r["failed"]),
       a["failed"] == 0 and r["failed"] == 0)
sys.exit(0 if ok else 1)
PY
rc=$?
[ "$rc" = 0 ] && echo "fleet: every target met" || echo "fleet: a target was not met"
exit "$rc"
