"""Scenario 5: N cold processes at once resolving the 3-hop chain — how many STS calls
each tool makes (moto's recorder counts them), then rolechain again with its cache warm."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from harness import progress, run_parallel
from peers import not_runnable, runnable, runs_with
from report import Section, Target, table
from workspace import (
    AWS_CLI,
    BIN,
    CHAIN_HOPS,
    CHAIN_PROFILE,
    PYTHON,
    Env,
    Options,
    Workspace,
    rolechain_export,
)

TIMEOUT = 300.0  # seconds per batch
BOTO3 = (
    "import boto3\n"
    f"boto3.Session(profile_name={CHAIN_PROFILE!r}).client('sts').get_caller_identity()"
)
TOOLS: dict[str, tuple[str, ...]] = {
    "rolechain": rolechain_export(),
    "AWS CLI": (AWS_CLI, "sts", "get-caller-identity", "--profile", CHAIN_PROFILE),
    "boto3": (PYTHON, "-c", BOTO3),
}
WARM = "rolechain (warm)"
HEADER = ("tool", "processes", "AssumeRole calls", "per process", "other STS", "failed", "wall s")


@dataclass(frozen=True)
class Batch:
    """N processes of one tool: STS calls recorded, failures, wall time."""

    tool: str
    processes: int
    assume_role: int
    other_sts: int
    failures: int
    seconds: float


def measure(ws: Workspace, argv: Sequence[str], env: Env, count: int, label: str) -> Batch:
    progress(f"  {label}: {count} processes")
    ws.start_recording()
    started = time.perf_counter()
    failures, last_error = run_parallel(argv, count, env.vars, TIMEOUT)
    seconds = time.perf_counter() - started
    actions = ws.stop_recording()
    if failures:
        progress(f"  {label}: {failures} of {count} failed; last error: {last_error}")
    assume = actions.pop("AssumeRole", 0)
    return Batch(label, count, assume, sum(actions.values()), failures, seconds)


def parallel_processes(ws: Workspace, options: Options) -> Section:
    """Every N in ``options.processes``, every tool from cold, then rolechain warm."""
    progress("parallel cold processes")
    batches: list[Batch] = []
    tools = {**TOOLS, **{peer.name: peer.argv() for peer in runnable(ws)}}
    for count in options.processes:
        for tool, argv in tools.items():
            env = ws.env(10, f"parallel-{tool}-{count}")  # a cold HOME and cache per batch
            batches.append(measure(ws, argv, env, count, tool))
            if tool == "rolechain":
                batches.append(measure(ws, argv, env, count, WARM))
    rows = [
        [
            b.tool,
            b.processes,
            b.assume_role,
            f"{b.assume_role / b.processes:.2f}",
            b.other_sts,
            b.failures,
            f"{b.seconds:.2f}",
        ]
        for b in batches
    ]
    section = Section("N parallel cold processes")
    section.body = [
        "The 10-profile config and the 3-hop chain (static keys → 3 roles). "
        "N processes of each tool start at once, each tool with a fresh HOME "
        "and cache directories; STS calls are counted by moto's recorder over the whole batch. "
        f"rolechain: `rolechain export {CHAIN_PROFILE} --format credential-process`; AWS CLI: "
        f"`aws sts get-caller-identity --profile {CHAIN_PROFILE}`; boto3: "
        f"`Session(profile_name='{CHAIN_PROFILE}').client('sts').get_caller_identity()`. "
        "GetCallerIdentity counts as an other STS call. rolechain (warm) is the same N again "
        "with the cache the cold batch left. Peers (see the peers scenario for how each "
        "was checked): "
        + ", ".join(
            f"{peer.name}: `{peer.command_line()}` ({runs_with(peer)})" for peer in runnable(ws)
        )
        + f"; rolechain, the AWS CLI and boto3 run from `{BIN.parent.name}`.",
        "",
        table(HEADER, rows),
        *(f"\nNot measured: {line}" for line in not_runnable(ws)),
    ]
    failed = sum(b.failures for b in batches)
    if failed:
        section.error = f"{failed} processes failed (see stderr of the run)"
    section.targets = [
        _calls_target(batches, "rolechain", CHAIN_HOPS, "cold, one per hop"),
        _calls_target(batches, WARM, 0, "warm"),
        *(_lead_target(batches, peer.name) for peer in runnable(ws)),
    ]
    reasons = [why for peer in runnable(ws) for why in why_not_leading(batches, peer.name)]
    if reasons:
        section.body += ["", "Where rolechain does not lead: " + " ".join(reasons)]
    elif runnable(ws):
        section.body += ["", "rolechain leads every measured peer at every N."]
    return section


def why_not_leading(batches: list[Batch], peer: str) -> list[str]:
    """For each N where rolechain does not lead ``peer``, why, from the batch figures."""
    ours = {b.processes: b for b in batches if b.tool == "rolechain"}
    reasons = []
    for theirs in (b for b in batches if b.tool == peer):
        mine = ours[theirs.processes]
        head = (
            f"N={theirs.processes}: rolechain {mine.assume_role} AssumeRole calls in "
            f"{mine.seconds:.2f} s, {peer} {theirs.assume_role} in {theirs.seconds:.2f} s"
        )
        if mine.assume_role > theirs.assume_role:
            reasons.append(f"{head}: rolechain made more STS calls.")
        elif mine.seconds >= theirs.seconds:
            reasons.append(
                f"{head}: with no more STS calls, the batch took "
                f"{mine.seconds - theirs.seconds:.2f} s longer, time spent in the processes "
                "(start-up, imports, waiting on one another's cache), not in STS round trips."
            )
    return reasons


def _lead_target(batches: list[Batch], peer: str) -> Target:
    """rolechain leads ``peer`` at every N: no more AssumeRole calls, less wall time."""
    ours = {b.processes: b for b in batches if b.tool == "rolechain"}
    theirs = [b for b in batches if b.tool == peer]
    measured = "; ".join(
        f"N={b.processes}: {ours[b.processes].assume_role} vs {b.assume_role} AssumeRole, "
        f"{ours[b.processes].seconds:.2f} s vs {b.seconds:.2f} s"
        for b in theirs
    )
    met = bool(theirs) and all(
        ours[b.processes].assume_role <= b.assume_role and ours[b.processes].seconds < b.seconds
        for b in theirs
    )
    return Target(f"rolechain leads {peer} at every N (AssumeRole calls, wall time)", measured, met)


def _calls_target(batches: list[Batch], tool: str, expected: int, note: str) -> Target:
    mine = [b for b in batches if b.tool == tool]
    measured = ", ".join(f"{b.assume_role} (N={b.processes})" for b in mine)
    met = bool(mine) and all(b.assume_role == expected and not b.failures for b in mine)
    return Target(f"rolechain AssumeRole calls = {expected} for every N ({note})", measured, met)
