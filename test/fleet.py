#!/usr/bin/env python3
"""A fleet of simulated boards behind HAProxy, on one machine (docs/fleet.md).

Three boards, each a `thermpace serve --scenario` (the daemon on its own
simulated plant, a network plant drawn with its own seed, sped up --speed
times) pacing its own inference stand-in, `thermpace-loadgen --http` on the
board's pacing socket (cooperative: every token is asked of the board's
pacer first), with the HAProxy agent check on (`--agent`) and the stand-in's
/metrics scraped (`--llama-server`: the agent says down when it is gone). One board is in a
hot spot (its ambient steps up a third of the way in). Debian's haproxy in
front: `--mode agent` routes with the agent's weights (weighted round-robin,
agent-check), `--mode rr` plain round-robin. A fixed number of concurrent
clients sends POST /completion through it for the run's length.

Prints one JSON object: per board its tokens served, seconds over the
ceiling (the plant's truth), the agent's answers over time, HAProxy's
weights over time, requests that arrived while it was drained past two
agent intervals; the fleet's tokens per hour (board time), request latency
percentiles (wall), failures.

Usage: test/fleet.py BUILD_DIR --mode agent|rr [--speed K] [--duration S]
       [--clients N] [--tokens N] [--inter-ms MS] [--tail S] [--keep]
Exit 77 when haproxy is missing (the caller skips).
"""
import argparse
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

HAPROXY = os.environ.get("HAPROXY", "/usr/sbin/haproxy")
TAIL_WALL_S = 60.0  # default --tail: longer than the slowest request in flight at the end

# name, ambient (C), ambient later (None: stays), plant seed
BOARDS = [("b1", 22.0, None, 11), ("b2", 25.0, None, 12), ("b3-hot", 36.0, 42.0, 13)]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def scenario(path, name, amb, hot, seed, duration, tail):
    with open(path, "w") as f:
        f.write("[scenario]\nname = fleet-%s\nduration_s = %d\nseed = %d\n\n"
                % (name, duration + tail, seed))
        f.write("[plant]\nmodel = network\nclass = nano\nambient_c = %g\n" % amb)
        f.write("initial = steady\ninitial_rate = 8\n")
        if hot is not None:
            f.write("\n[event.hotspot]\nkind = ambient_step\nt_start = %d\nto_c = %g\n"
                    % (duration // 3, hot))


def haproxy_cfg(path, sock, port, boards, mode, inter_ms):
    lines = [
        "global", "  maxconn 512", "  stats socket %s mode 600 level admin" % sock,
        "  log stderr format raw local0 info",
        "defaults", "  mode http", "  log global", "  option httplog", "  timeout connect 2s", "  timeout client 120s",
        "  timeout server 120s", "  retries 2", "  option redispatch",
        "frontend fleet", "  bind 127.0.0.1:%d" % port, "  default_backend boards",
        "backend boards", "  balance roundrobin",
        "  option httpchk GET /health",
    ]
    for b in boards:
        line = "  server %s 127.0.0.1:%d weight 100 check inter 1s" % (b["name"], b["http"])
        if mode == "agent":
            line += " agent-check agent-addr 127.0.0.1 agent-port %d agent-inter %dms" % (
                b["agent"], inter_ms)
        lines.append(line)
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def ask_agent(port):
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=1)
        out = b""
        while True:
            b = s.recv(256)
            if not b:
                break
            out += b
        s.close()
        return out.decode().strip()
    except OSError:
        return None


def haproxy_stat(sock):
    try:
        s = socket.socket(socket.AF_UNIX)
        s.settimeout(1)
        s.connect(sock)
        s.sendall(b"show stat\n")
        out = b""
        while True:
            b = s.recv(65536)
            if not b:
                break
            out += b
        s.close()
    except OSError:
        return {}
    rows = out.decode().splitlines()
    if not rows or not rows[0].startswith("# "):
        return {}
    hdr = rows[0][2:].split(",")
    res = {}
    for r in rows[1:]:
        v = r.split(",")
        if len(v) < len(hdr):
            continue
        d = dict(zip(hdr, v))
        if d["pxname"] == "boards" and d["svname"] not in ("BACKEND", "FRONTEND"):
            res[d["svname"]] = (d["status"], int(d["weight"] or 0))
    return res


def wait_port(port, deadline):
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return True
        except OSError:
            time.sleep(0.1)
    return False


def client(port, ntok, stop, out, lock):
    body = json.dumps({"prompt": "hello", "n_predict": ntok})
    while not stop.is_set():
        t0 = time.monotonic()
        rec = {"t_send": t0, "ok": False}
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            c.request("POST", "/completion", body, {"Content-Type": "application/json"})
            r = c.getresponse()
            data = r.read()
            c.close()
            rec["status"] = r.status
            if r.status == 200:
                d = json.loads(data)
                rec.update(ok=True, board=d["board"], tokens=d["tokens_predicted"],
                           t_arrival=d["t_arrival"])
        except (OSError, http.client.HTTPException, ValueError) as e:
            rec["error"] = str(e)
        rec["t_done"] = time.monotonic()
        with lock:
            out.append(rec)
        if not rec["ok"]:
            time.sleep(0.2)


def watcher(boards, sock, stop, agents, weights, t0):
    while not stop.is_set():
        now = time.monotonic()
        for b in boards:
            a = ask_agent(b["agent"])
            hist = agents[b["name"]]
            if a is not None and (not hist or hist[-1][1] != a):
                hist.append((now - t0, a))
        st = haproxy_stat(sock)
        for name, (status, w) in st.items():
            hist = weights[name]
            if not hist or hist[-1][1:] != (status, w):
                hist.append((now - t0, status, w))
        stop.wait(0.1)


def pct(xs, q):
    if not xs:
        return float("nan")
    xs = sorted(xs)
    k = (len(xs) - 1) * q
    i = int(k)
    j = min(i + 1, len(xs) - 1)
    return xs[i] + (xs[j] - xs[i]) * (k - i)


def drain_violations(agent_hist, reqs, name, inter_s, t0, t_end):
    """Requests that arrived at a drained (or down) board past two agent intervals."""
    bad = 0
    spans = []
    for i, (t, a) in enumerate(agent_hist):
        if a.startswith("drain") or a.startswith("down"):
            end = agent_hist[i + 1][0] if i + 1 < len(agent_hist) else t_end
            spans.append((t, end))
    for r in reqs:
        if r.get("board") != name:
            continue
        ta = r["t_arrival"] - t0
        for (a, b) in spans:
            if a + 2 * inter_s < ta < b:
                bad += 1
    return spans, bad


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--mode", choices=("agent", "rr"), required=True)
    ap.add_argument("--speed", type=float, default=60)
    ap.add_argument("--duration", type=int, default=7200, help="board seconds")
    ap.add_argument("--clients", type=int, default=12)
    ap.add_argument("--tokens", type=int, default=32)
    ap.add_argument("--inter-ms", type=int, default=500)
    ap.add_argument("--tail", type=float, default=TAIL_WALL_S,
                    help="wall s the boards run on after the clients stop: no request cut")
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    if not os.access(HAPROXY, os.X_OK):
        print("haproxy not found at %s (apt-get install haproxy)" % HAPROXY, file=sys.stderr)
        return 77
    tp = os.path.join(a.build, "thermpace")
    lg = os.path.abspath(os.path.join(a.build, "thermpace-loadgen"))
    tmp = tempfile.mkdtemp(prefix="thermpace-fleet-")
    procs = []
    boards = []
    res = {"mode": a.mode, "speed": a.speed, "duration_s": a.duration, "clients": a.clients,
           "tokens_per_request": a.tokens, "agent_inter_s": a.inter_ms / 1000.0}
    try:
        for (name, amb, hot, seed) in BOARDS:
            b = {"name": name, "http": free_port(), "agent": free_port(), "ambient_c": amb,
                 "hot_c": hot}
            sc = os.path.join(tmp, name + ".ini")
            scenario(sc, name, amb, hot, seed, a.duration, int(a.tail * a.speed))
            rt = os.path.join(tmp, name + ".run")
            os.mkdir(rt)
            b["out"] = open(os.path.join(tmp, name + ".json"), "w")
            b["proc"] = subprocess.Popen(
                [tp, "serve", "--config", "none", "--scenario", sc, "--speed", str(a.speed),
                 "--runtime-dir", rt, "--actuator", "socket",
                 "--agent", "127.0.0.1:%d" % b["agent"], "--agent-hold", "2",
                 "--llama-server", "http://127.0.0.1:%d/metrics" % b["http"],
                 "--events", os.path.join(tmp, name + ".events.jsonl")],
                stdout=b["out"], stderr=open(os.path.join(tmp, name + ".err"), "w"))
            procs.append(b["proc"])
            boards.append(b)
            sock = os.path.join(rt, "pace.sock")
            deadline = time.monotonic() + 20
            while not os.path.exists(sock) and b["proc"].poll() is None \
                    and time.monotonic() < deadline:
                time.sleep(0.05)
            if not os.path.exists(sock):
                raise RuntimeError("board %s: serve did not open its socket: %s" % (
                    name, open(os.path.join(tmp, name + ".err")).read()))
            b["load"] = subprocess.Popen(
                [lg, "--http", "127.0.0.1:%d" % b["http"], "--socket", sock, "--quiet",
                 "--dim", "64", "--slots", "4", "--name", name],
                stdout=subprocess.DEVNULL, stderr=open(os.path.join(tmp, name + ".lg.err"), "w"))
            procs.append(b["load"])
        for b in boards:
            if not wait_port(b["http"], time.monotonic() + 20):
                raise RuntimeError("board %s: its server never answered" % b["name"])
        t0 = time.monotonic()
        fport = free_port()
        sock = os.path.join(tmp, "haproxy.sock")
        cfg = os.path.join(tmp, "haproxy.cfg")
        haproxy_cfg(cfg, sock, fport, boards, a.mode, a.inter_ms)
        hp = subprocess.Popen([HAPROXY, "-db", "-f", cfg], stdout=subprocess.DEVNULL,
                              stderr=open(os.path.join(tmp, "haproxy.err"), "w"))
        procs.append(hp)
        if not wait_port(fport, time.monotonic() + 10):
            raise RuntimeError("haproxy did not start: " + open(os.path.join(tmp, "haproxy.err")).read())
        stop = threading.Event()
        lock = threading.Lock()
        reqs = []
        agents = {b["name"]: [] for b in boards}
        weights = {b["name"]: [] for b in boards}
        th = [threading.Thread(target=watcher, args=(boards, sock, stop, agents, weights, t0))]
        th += [threading.Thread(target=client, args=(fport, a.tokens, stop, reqs, lock))
               for _ in range(a.clients)]
        for t in th:
            t.start()
        # the window: the scenario's duration; the boards run on for the requests in flight
        wall = a.duration / a.speed
        t_stop = t0 + wall
        while time.monotonic() < t_stop and all(p.poll() is None for p in procs):
            time.sleep(0.2)
        t_end = time.monotonic() - t0
        stop.set()
        for t in th:
            t.join(timeout=max(a.tail - 5, 5))
        # the requests in flight have ended (or the tail is over): each board stops,
        # its daemon first (it prints the plant's score), then its stand-in
        for b in boards:
            b["proc"].terminate()
            try:
                b["proc"].wait(timeout=30)
            except subprocess.TimeoutExpired:
                b["proc"].kill()
                b["proc"].wait()
            b["out"].close()
            b["load"].terminate()
            b["load"].wait(timeout=10)
        done = [r for r in reqs if r["ok"] and r["t_done"] - t0 <= t_end]
        failed = [r for r in reqs if not r["ok"]]
        lat = [r["t_done"] - r["t_send"] for r in done]
        res["requests"] = len(done)
        res["failed"] = len(failed)
        res["failures"] = [r.get("error") or r.get("status") for r in failed][:5]
        res["wall_s"] = t_end
        tokens = sum(r["tokens"] for r in done)
        res["fleet_tokens"] = tokens
        # a child's token per wall second is the board's token per board second
        res["fleet_tokens_per_hour"] = tokens / t_end * 3600.0
        res["latency_p50_s"] = pct(lat, 0.5)
        res["latency_p95_s"] = pct(lat, 0.95)
        res["boards"] = []
        for b in boards:
            try:
                score = json.load(open(os.path.join(tmp, b["name"] + ".json")))
            except ValueError:
                score = {}
            spans, bad = drain_violations(agents[b["name"]], [r for r in reqs if r["ok"]],
                                          b["name"], a.inter_ms / 1000.0, t0, t_end)
            res["boards"].append({
                "name": b["name"], "ambient_c": b["ambient_c"], "hot_c": b["hot_c"],
                "requests": sum(1 for r in done if r["board"] == b["name"]),
                "tokens": sum(r["tokens"] for r in done if r["board"] == b["name"]),
                "seconds_over_ceiling": score.get("seconds_above_ceiling"),
                "peak_die_c": score.get("peak_die_c"),
                "agent": agents[b["name"]], "haproxy": weights[b["name"]],
                "drained_spans": spans, "arrivals_while_drained": bad})
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()
        if a.keep:
            print("kept " + tmp, file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print(json.dumps(res))
    return 0


if __name__ == "__main__":
    sys.exit(main())
