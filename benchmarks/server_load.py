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
# one new connection each, as SDKs do) to port argv[1]; prints as JSON each request's
# local port, start and end (time.monotonic: the system's monotonic clock, on Linux the
# same in every process, so the server's timestamps compare with them), when it began and
# ended (the rate leaves out the interpreters' start and exit), and how long it waited
# for a CPU meanwhile (the run-queue delay of /proc/self/schedstat, where there is one).
CLIENT = """
import json, socket, sys, time
def waited():
    try:
        with open("/proc/self/schedstat") as stat:
            return int(stat.read().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return 0.0
port, request, count = int(sys.argv[1]), sys.argv[2].encode(), int(sys.argv[3])
sys.stdin.readline()
requests = []
began, waited_before = time.monotonic(), waited()
for _ in range(count):
    start = time.monotonic()
    with socket.create_connection(("127.0.0.1", port)) as sock:
        local = sock.getsockname()[1]
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    requests.append((local, start, time.monotonic()))
    if not answer.startswith(b"HTTP/1.1 200"):
        sys.exit(f"server answered {answer[:40]!r}")
ended = time.monotonic()
print(json.dumps({"requests": requests, "began": began, "ended": ended,
                  "waited": waited() - waited_before}))
"""

# The server for the timed run: `rolechain serve ARGS` (argv[2:]) with each answered
# request timed inside it: the CredentialServer's handling of a connection's readable
# event, wrapped, recorded as (client port, accepted, head read, answered and closed) in
# monotonic seconds; written as JSON to argv[1] when the server stops. resolver/ itself is
# unchanged; only this run carries the wrapper's cost.
TIMED_SERVER = """
import json, sys, time
from resolver.server import listener
records = []
handle = listener.CredentialServer._ready
def timed(self, selector, c, events):
    try:
        port = c.sock.getpeername()[1]
    except OSError:
        port = 0
    head = time.monotonic()
    handle(self, selector, c, events)
    if c.sock.fileno() == -1 and c.what[0] != "-":
        records.append((port, c.started, head, time.monotonic()))
listener.CredentialServer._ready = timed
from resolver.cli.main import main
code = main(sys.argv[2:])
with open(sys.argv[1], "w") as out:
    json.dump(records, out)
sys.exit(code)
"""


@dataclass(frozen=True)
class Load:
    """What the client processes measured: each request's (client port, start, end) in
    monotonic seconds, the span from the first request to the last answer, and the
    seconds the clients waited for a CPU (run-queue delay) over the whole run."""

    requests: list[tuple[int, float, float]]
    span: float
    waited: float

    @property
    def latencies(self) -> list[float]:
        return [end - start for _, start, end in self.requests]


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


def load(port: int, request: str, clients: int, requests: int, cpus: str) -> Load:
    """Every request of ``clients`` client processes, each sending ``requests``."""
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
    sent = [(int(p), float(s), float(e)) for r in reports for p, s, e in r["requests"]]
    return Load(sent, span, sum(float(r["waited"]) for r in reports))


@dataclass(frozen=True)
class Stages:
    """One request's time, split where the server's and the client's clocks meet:
    until the server accepted it, until the server had its head (the client sending, the
    server's loop), the server's handling (head read to answer sent and socket closed),
    and after (the client reading the answer and being scheduled to do so)."""

    accepted: float
    head: float
    handled: float
    after: float

    @property
    def total(self) -> float:
        return self.accepted + self.head + self.handled + self.after


Record = tuple[int, float, float, float]  # port, accepted, head read, closed (server)


def stages(sent: Sequence[tuple[int, float, float]], served: Sequence[Record]) -> list[Stages]:
    """Each client request matched to the server's record of it (same client port,
    accepted between the request's start and end); requests without one are left out."""
    by_port: dict[int, list[Record]] = {}
    for record in served:
        by_port.setdefault(record[0], []).append(record)
    split = []
    for port, start, end in sent:
        for _, accepted, head, closed in by_port.get(port, ()):
            if start <= accepted <= end:
                split.append(Stages(accepted - start, head - accepted, closed - head, end - closed))
                break
    return split


def run_queue_delay(pid: int) -> float:
    """Seconds process ``pid`` has waited for a CPU so far (0 where unknown)."""
    try:
        with open(f"/proc/{pid}/schedstat") as stat:
            return int(stat.read().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return 0.0


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
