"""What hostile requests cost a running Plenum, and whether it keeps answering.

Run by tests/bench/hostile.sh, which starts a release server on the demo data:
    python3 tests/bench/hostile.py PORT PID

1. For each request of at most 1 KB that we could build to be expensive, the
   server's CPU time per request (from /proc/PID/stat, averaged over runs) and
   the growth of its peak memory (VmHWM).
2. /healthz latency while two fragment bombs are sent in a loop.
3. /healthz latency while 2,000 sockets send their headers one byte at a time.
"""
import json
import os
import socket
import statistics
import sys
import threading
import time
import urllib.request

PORT, PID = int(sys.argv[1]), int(sys.argv[2])
URL = f"http://127.0.0.1:{PORT}"
TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds():
    fields = open(f"/proc/{PID}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def peak_kib():
    for line in open(f"/proc/{PID}/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def post(query, variables=None):
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    request = urllib.request.Request(
        URL + "/graphql", body, {"content-type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def bomb(levels=23):
    q = "query{...F0}"
    for i in range(levels):
        q += f" fragment F{i} on Query{{...F{i+1} ...F{i+1}}}"
    return q + f" fragment F{levels} on Query{{__typename}}"


def nested_members(n):
    inner = "role"
    for _ in range(n):
        inner = f"members(first:100){{nodes{{organisation{{{inner}}}}}}}"
    return f'{{organisation(slug:"assemblee-montreuil"){{{inner}}}}}'


# What an allowed query costs at most: fill the cost budget with one page
# of 100 members and their people, spaces and bodies; then the refusals.
WORST = {
    "fragment bomb, 2^23 fields (refused)": bomb(),
    "a list nested 480 deep (refused)": "{viewer(x:" + "[" * 480 + "1" + "]" * 480 + "){email}}",
    "members 100x100x100 (refused)": nested_members(3),
    "the same field 90 times (answered)": "{" + "__typename " * 90 + "}",
    "nine aliases, each a page of spaces with their threads": "{" + " ".join(
        f'a{i}:organisation(slug:"assemblee-montreuil"){{categories(first:5){{nodes{{name threads(first:5){{nodes{{title}}}}}}}}}}'
        for i in range(9)
    ) + "}",
    "allowed: organisations' pages of children and spaces": '{organisation(slug:"federation-communaliste-idf"){children(first:50){nodes{name description categories(first:20){nodes{name}} children(first:10){nodes{name}}}}}}',
    "introspection (GraphiQL's)": "{__schema{types{name fields{name args{name type{name kind ofType{name kind ofType{name kind}}}} type{name kind ofType{name kind ofType{name kind}}}}}}}",
}


def measure(runs=200):
    print("| request (≤ 1 KB) | bytes | answer | CPU per request | peak memory growth |")
    print("|---|---|---|---|---|")
    for name, query in WORST.items():
        assert len(query.encode()) <= 1024, (name, len(query))
        before_peak = peak_kib()
        answer = post(query)
        code = (answer.get("errors") or [{}])[0].get("extensions", {}).get("code", "data")
        start = cpu_seconds()
        for _ in range(runs):
            post(query)
        per = (cpu_seconds() - start) / runs * 1000
        grown = (peak_kib() - before_peak) / 1024
        print(f"| {name} | {len(query)} | {code} | {per:.2f} ms | {grown:.1f} MiB |")


def health_latency(seconds, load):
    stop = threading.Event()
    workers = [threading.Thread(target=load, args=(stop,)) for _ in range(2)]
    for w in workers:
        w.start()
    times = []
    end = time.time() + seconds
    while time.time() < end:
        t = time.perf_counter()
        urllib.request.urlopen(URL + "/healthz", timeout=30).read()
        times.append((time.perf_counter() - t) * 1000)
        time.sleep(0.01)
    stop.set()
    for w in workers:
        w.join()
    times.sort()
    return (
        f"{len(times)} probes: median {statistics.median(times):.2f} ms, "
        f"p99 {times[int(len(times) * 0.99) - 1]:.2f} ms, max {times[-1]:.2f} ms"
    )


def bombs(stop):
    q = bomb()
    while not stop.is_set():
        post(q)


def slow_sockets(count=2000, addresses=8):
    """From 127.0.0.2 … 127.0.0.9: one address may hold only 256 sockets,
    and /healthz is asked from 127.0.0.1."""
    held, refused = [], 0
    for i in range(count):
        s = socket.socket()
        s.bind((f"127.0.0.{2 + i % addresses}", 0))
        s.connect(("127.0.0.1", PORT))
        s.send(b"POST /graphql HTTP/1.1\r\n")
        held.append(s)
    time.sleep(0.5)
    for s in held:
        try:
            s.send(b"X")
        except OSError:
            refused += 1
    return held, refused


if __name__ == "__main__":
    print(f"server pid {PID}, peak memory at start {peak_kib() / 1024:.0f} MiB\n")
    measure()
    print()
    print("healthz, quiet:", health_latency(3, lambda stop: None))
    print("healthz during two fragment bombs in a loop:", health_latency(5, bombs))
    held, closed = slow_sockets()
    print(f"2,000 slow-header sockets opened from 8 addresses; {closed} already closed by the per-address cap")
    print("healthz during them:", health_latency(3, lambda stop: None))
    time.sleep(11)
    still = 0
    for s in held:
        try:
            s.send(b"X")
            s.setblocking(False)
            if s.recv(1) == b"":
                continue
        except BlockingIOError:
            still += 1
        except OSError:
            pass
    print(f"after the 10 s header timeout, {still} of them are still open")
