"""Load for the credential servers: client processes, CPU pinning, percentiles.

Where the machine has at least two CPUs the server runs on the first and every client
process on the others (``os.sched_setaffinity`` before ``exec``), so that clients and
server do not take turns on one CPU; the report says what was pinned.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from harness import CommandFailed
from workspace import PYTHON

# Runs argv[2:] on the CPUs listed in argv[1] ("0" or "1,2"; "" = wherever).
PINNED = """
import os, sys
if sys.argv[1]:
    os.sched_setaffinity(0, {int(cpu) for cpu in sys.argv[1].split(",")})
os.execv(sys.argv[2], sys.argv[2:])
"""

# One client process: waits for a line on stdin, then sends argv[3] requests (argv[2],
# one new connection each, as SDKs do) to port argv[1]; prints as JSON every latency and
# when it began and ended (perf_counter: the system's monotonic clock, on Linux the same
# in every process), so that the rate leaves out the interpreters' start and exit.
CLIENT = """
import json, socket, sys, time
port, request, count = int(sys.argv[1]), sys.argv[2].encode(), int(sys.argv[3])
sys.stdin.readline()
latencies = []
began = time.perf_counter()
for _ in range(count):
    start = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    latencies.append(time.perf_counter() - start)
    if not answer.startswith(b"HTTP/1.1 200"):
        sys.exit(f"server answered {answer[:40]!r}")
print(json.dumps({"latencies": latencies, "began": began, "ended": time.perf_counter()}))
"""


@dataclass(frozen=True)
class Cpus:
    """Where the server and the clients run ("" = not pinned)."""

    server: str
    clients: str

    @property
    def note(self) -> str:
        if not self.server:
            return "Not pinned (fewer than 2 CPUs available to this process)"
        return f"Server pinned to CPU {self.server}, every client process to CPU {self.clients}"


def plan_cpus(available: Sequence[int] | None = None) -> Cpus:
    """The first available CPU for the server, the others for the clients."""
    if available is None:
        available = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    if len(available) < 2:
        return Cpus("", "")
    return Cpus(str(available[0]), ",".join(str(cpu) for cpu in available[1:]))


def pinned(cpus: str, argv: Sequence[str]) -> list[str]:
    """``argv`` run on ``cpus`` (a comma-separated list; "" leaves it unpinned)."""
    return [PYTHON, "-c", PINNED, cpus, *argv]


def load(
    port: int, request: str, clients: int, requests: int, cpus: str
) -> tuple[list[float], float]:
    """Every request's latency from ``clients`` client processes, and the seconds from the
    first client's first request to the last client's last answer."""
    argv = pinned(cpus, [PYTHON, "-c", CLIENT, str(port), request, str(requests)])
    processes = [
        subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        for _ in range(clients)
    ]
    time.sleep(0.5)  # let every client start its interpreter before any begins
    for process in processes:
        assert process.stdin is not None
        process.stdin.write("\n")
        process.stdin.flush()
    outputs = [process.communicate(timeout=300)[0] for process in processes]
    if any(process.returncode for process in processes):
        raise CommandFailed("a client process failed (see stderr)")
    reports = [json.loads(out) for out in outputs]
    span = max(r["ended"] for r in reports) - min(r["began"] for r in reports)
    return [value for report in reports for value in report["latencies"]], span


def percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def fetch(url: str, headers: Mapping[str, str], method: str = "GET") -> str:
    """One request to a local server (untimed set-up and checks)."""
    request = urllib.request.Request(url, headers=dict(headers), method=method)
    with urllib.request.urlopen(request, timeout=10) as answer:
        return str(answer.read().decode())


def provider_costs(code: str, env: Mapping[str, str], count: int = 50) -> list[float]:
    """Run ``code`` (prints a JSON list of seconds) in a child with ``env``."""
    done = subprocess.run(
        [PYTHON, "-c", code, str(count)], env=dict(env), capture_output=True, text=True, timeout=300
    )
    if done.returncode != 0:
        raise CommandFailed(f"SDK provider child failed: {done.stderr[-800:]}")
    costs: list[float] = json.loads(done.stdout)
    return costs
