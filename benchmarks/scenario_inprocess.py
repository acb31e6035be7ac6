"""Scenario 4: warm in-process calls — ``resolver.resolve()`` against boto3's refreshable
credentials, single-threaded and from many threads at once, in one child process."""

from __future__ import annotations

import json
import statistics
import subprocess
from dataclasses import dataclass

from harness import Command, CommandFailed, progress, run_once
from report import Section, Target, at_most, fmt_ms, fmt_us, spread, table
from workspace import CHAIN_PROFILE, PYTHON, Options, Workspace, rolechain_export

LIMIT_SECONDS = 2e-6
# The child: argv = calls per batch, batches, threads. Prints JSON on stdout.
CHILD = f"""
import json, sys, threading, time
import boto3
import resolver

CALLS, BATCHES, THREADS = (int(arg) for arg in sys.argv[1:4])


def single(call):
    costs = []
    for _ in range(BATCHES):
        start = time.perf_counter()
        for _ in range(CALLS):
            call()
        costs.append((time.perf_counter() - start) / CALLS)
    return costs


def threaded(call):
    per_thread = max(CALLS // THREADS, 1)
    costs = []
    for _ in range(BATCHES):
        barrier = threading.Barrier(THREADS + 1)

        def work():
            barrier.wait()
            for _ in range(per_thread):
                call()

        threads = [threading.Thread(target=work) for _ in range(THREADS)]
        for thread in threads:
            thread.start()
        barrier.wait()
        start = time.perf_counter()
        for thread in threads:
            thread.join()
        costs.append((time.perf_counter() - start) / (per_thread * THREADS))
    return costs


def measure(call):
    start = time.perf_counter()
    call()
    first = time.perf_counter() - start
    return {{"first": first, "single": single(call), "threads": threaded(call)}}


session = boto3.Session(profile_name={CHAIN_PROFILE!r})
result = {{
    "rolechain": measure(lambda: resolver.resolve({CHAIN_PROFILE!r})),
    "boto3": measure(lambda: session.get_credentials().get_frozen_credentials()),
    "overhead": measure(lambda: None),
}}
print(json.dumps(result))
"""


@dataclass(frozen=True)
class Cost:
    """One tool's figures from the child: seconds for the first call, then per call."""

    first: float
    single: list[float]
    threads: list[float]


def run_child(env: dict[str, str], options: Options) -> dict[str, Cost]:
    argv = [PYTHON, "-c", CHILD, str(options.calls), str(options.batches), str(options.threads)]
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        raise CommandFailed(f"in-process child exited {done.returncode}: {done.stderr[-1500:]}")
    return {tool: Cost(**figures) for tool, figures in json.loads(done.stdout).items()}


def in_process(ws: Workspace, options: Options) -> Section:
    """One child process measures both tools; the parent tabulates µs per call."""
    progress("warm in-process resolve()")
    env = ws.env(10, "inprocess")
    run_once(Command("rolechain (filling the cache)", rolechain_export(), env.vars))
    ws.start_recording()
    costs = run_child(env.vars, options)
    assume_role = ws.stop_recording()["AssumeRole"]
    labels = {
        "rolechain": f'`resolver.resolve("{CHAIN_PROFILE}")`',
        "boto3": f"boto3 `session.get_credentials().get_frozen_credentials()` ({CHAIN_PROFILE})",
    }
    rows = []
    labels["overhead"] = "`lambda: None` (loop and call overhead)"
    for tool in ("rolechain", "boto3", "overhead"):
        cost = costs[tool]
        rows.append(
            [
                labels[tool],
                fmt_ms(cost.first) if tool != "overhead" else "—",
                fmt_us(statistics.median(cost.single)),
                fmt_us(min(cost.single)),
                fmt_us(statistics.median(cost.threads)),
                fmt_us(min(cost.threads)),
            ]
        )
    threads = options.threads
    section = Section("Warm in-process resolve()")
    section.body = [
        "One child process (same environment; rolechain's disk cache warm) makes a first call "
        "of each (rolechain: imports and the disk cache; boto3: three AssumeRole calls; "
        f"AssumeRole calls recorded during the whole child: {assume_role}, 3 expected), then "
        f"{options.batches} batches of {options.calls:,} calls single-threaded, and "
        f"{options.batches} batches with {threads} threads each looping "
        f"{max(options.calls // threads, 1):,} calls after a barrier (cost per call = wall "
        "time / total calls). Median and best batch; every figure includes the loop and one "
        "lambda call, whose cost alone is the last row.",
        "",
        table(
            [
                "call",
                "first call",
                "1 thread median",
                "1 thread best",
                f"{threads} threads median",
                f"{threads} threads best",
            ],
            rows,
        ),
    ]
    rolechain = costs["rolechain"]
    section.targets = []
    for batches, label in (
        (rolechain.single, "1 thread"),
        (rolechain.threads, f"{threads} threads"),
    ):
        median, q1, q3 = spread(batches)
        section.targets.append(
            Target(
                f"rolechain ≤ {LIMIT_SECONDS * 1e6:.0f} µs per call, {label}",
                f"{fmt_us(median)} (median batch; IQR {fmt_us(q1)}–{fmt_us(q3)})",
                at_most(median, LIMIT_SECONDS),
            )
        )
    return section
