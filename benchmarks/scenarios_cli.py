"""Whole-command scenarios on the 10-profile config: warm and cold runs, peak memory."""

from __future__ import annotations

import shutil
from collections import Counter

from harness import Command, alternate, progress, run_once
from peers import runnable, runs_with
from report import (
    Section,
    Target,
    at_least,
    at_most,
    fmt_kib,
    fmt_ms,
    fmt_ratio,
    fmt_spread,
    paired_ratios,
    spread,
    table,
)
from scenario_peers import warm_peers, where_not_leading, why_larger
from workspace import (
    CHAIN_HOPS,
    CHAIN_PROFILE,
    FLOOR,
    STATIC_PROFILE,
    Options,
    Workspace,
    boto3_chain,
    boto3_static,
    rolechain_export,
)

SMALL = 10
WARM_LIMIT = 1.10  # rolechain / floor, median of per-round ratios
WARM_IQR_LIMIT = 1.20  # rolechain / floor, upper end of the per-round ratios' IQR
BOTO3_FACTOR = 2.0  # boto3 / rolechain
MEMORY_LIMIT = 1.2  # rolechain peak RSS / floor's
COLD_LIMIT = 0.60  # rolechain / boto3, cold 3-hop chain (issue 25)
COLD_MEMORY_LIMIT = 1.0  # rolechain peak RSS / boto3's, cold 3-hop chain


def _warm_commands(ws: Workspace, name: str) -> list[Command]:
    """floor, warm rolechain export of the chain, boto3 loading the static profile."""
    env = ws.env(SMALL, name)
    run_once(Command("rolechain (filling the cache)", rolechain_export(), env.vars))
    return [
        Command("floor", FLOOR, env.vars),
        Command("rolechain", rolechain_export(), env.vars),
        Command("boto3", boto3_static(), env.vars),
    ]


def _labels() -> dict[str, str]:
    return {
        "floor": "floor: `python -c pass`",
        "rolechain": f"`rolechain export {CHAIN_PROFILE} --format credential-process` (warm)",
        "boto3": f"boto3 `Session(profile_name='{STATIC_PROFILE}')` static keys",
    }


def warm_credential_process(ws: Workspace, options: Options) -> Section:
    """Scenario 1: a warm credential_process call against the floor and boto3."""
    progress("warm credential_process")
    commands = _warm_commands(ws, "warm")
    ws.start_recording()
    samples = alternate(commands, options.warm_rounds, label="warm: ")
    sts_calls = sum(ws.stop_recording().values())
    floor, rolechain, boto3 = (samples[name].seconds for name in ("floor", "rolechain", "boto3"))
    labels = _labels()
    floors = samples["floor"].times
    rows = [
        [
            labels[name],
            fmt_ms(samples[name].seconds),
            fmt_spread(paired_ratios(samples[name].times, floors)),
        ]
        for name in ("floor", "rolechain", "boto3")
    ]
    over = paired_ratios(samples["rolechain"].times, floors)
    factor = paired_ratios(samples["boto3"].times, samples["rolechain"].times)
    boto3_factor = spread(factor)[0]
    section = Section("Warm credential_process")
    section.body = [
        f"The {SMALL}-profile config; rolechain's cache was filled once before the runs, so "
        f"every measured `export` is a cache hit. {options.warm_rounds} rounds.",
        "",
        table(["command", "median", "× floor (IQR)"], rows),
        "",
        f"boto3 / rolechain: {fmt_spread(factor)}. "
        f"STS calls during the measured runs (warm-up included): {sts_calls}.",
    ]
    section.targets = [
        *floor_targets(over, f"{fmt_ms(rolechain)} vs {fmt_ms(floor)}, {len(over)} rounds"),
        Target(
            f"boto3 ≥ {BOTO3_FACTOR:.0f}× rolechain",
            f"{fmt_spread(factor)} ({fmt_ms(boto3)} vs {fmt_ms(rolechain)})",
            at_least(boto3_factor, BOTO3_FACTOR),
        ),
    ]
    return section


def floor_targets(over: list[float], note: str) -> list[Target]:
    """The warm answer against the floor (per-round ratios ``over``): its median, and the
    upper end of its IQR, so that a good median cannot hide a slow quarter of the runs."""
    median, _, q3 = spread(over)
    return [
        Target(
            f"rolechain ≤ {WARM_LIMIT:.2f}× floor (median)",
            f"{fmt_spread(over)} ({note})",
            at_most(median, WARM_LIMIT),
        ),
        Target(
            f"rolechain's IQR upper end ≤ {WARM_IQR_LIMIT:.2f}× floor",
            fmt_ratio(q3),
            at_most(q3, WARM_IQR_LIMIT),
        ),
    ]


def _compact(counts: list[int]) -> str:
    """``3`` or ``2–3``."""
    low, high = min(counts, default=0), max(counts, default=0)
    return str(low) if low == high else f"{low}–{high}"


def _spread(counts: list[int]) -> str:
    """``3 in all 10 runs`` or ``2–3 over 10 runs``."""
    if not counts:
        return "no runs"
    low, high = min(counts), max(counts)
    if low == high:
        return f"{low} in all {len(counts)} runs"
    return f"{low}–{high} over {len(counts)} runs"


def cold_chain(ws: Workspace, options: Options) -> Section:
    """Scenario 2: the 3-hop chain with empty caches, rolechain against boto3."""
    progress("cold 3-hop chain")
    env = ws.env(SMALL, "cold")
    recorded: dict[str, list[Counter[str]]] = {"rolechain": [], "boto3": []}

    def wipe_and_record() -> None:
        env.wipe_cache()
        ws.start_recording()

    commands = [
        Command("floor", FLOOR, env.vars),
        Command(
            "rolechain",
            rolechain_export(),
            env.vars,
            before=wipe_and_record,
            after=lambda: recorded["rolechain"].append(ws.stop_recording()),
        ),
        Command(
            "boto3",
            boto3_chain(),
            env.vars,
            before=ws.start_recording,
            after=lambda: recorded["boto3"].append(ws.stop_recording()),
        ),
    ]
    samples = alternate(commands, options.rounds, label="cold: ")
    floor, rolechain, boto3 = (samples[name].seconds for name in ("floor", "rolechain", "boto3"))
    times = paired_ratios(samples["rolechain"].times, samples["boto3"].times)
    peaks = paired_ratios(samples["rolechain"].peaks, samples["boto3"].peaks)
    rows = []
    labels = {
        "rolechain": f"`rolechain export {CHAIN_PROFILE} --format credential-process`, empty cache",
        "boto3": f"boto3 `Session(profile_name='{CHAIN_PROFILE}')` credentials",
    }
    rows.append(
        ["floor: `python -c pass`", fmt_ms(floor), fmt_kib(samples["floor"].maxrss_kib), "", ""]
    )
    assume: dict[str, list[int]] = {}
    for name in ("rolechain", "boto3"):
        assume[name] = [actions["AssumeRole"] for actions in recorded[name]]
        other = [sum(actions.values()) - actions["AssumeRole"] for actions in recorded[name]]
        rows.append(
            [
                labels[name],
                fmt_ms(samples[name].seconds),
                fmt_kib(samples[name].maxrss_kib),
                _spread(assume[name]),
                _spread(other),
            ]
        )
    section = Section("Cold 3-hop chain")
    section.body = [
        f"The {SMALL}-profile config, `{CHAIN_PROFILE}` = static keys → 3 AssumeRole hops "
        f"against the local STS. rolechain's cache directory is emptied before every run "
        f"(boto3 keeps no cache between processes). {options.rounds} rounds; STS calls "
        "counted by moto's recorder for every run, warm-up included; peak RSS from `wait4`.",
        "",
        table(["command", "median", "peak RSS", "AssumeRole calls", "other STS calls"], rows),
        "",
        f"rolechain / boto3: time {fmt_spread(times)}, peak memory {fmt_spread(peaks)}; "
        f"expected AssumeRole calls per run: {CHAIN_HOPS}.",
    ]
    section.targets = [
        Target(
            f"rolechain ≤ {COLD_LIMIT:.2f}× boto3, cold, same chain and moto",
            f"{fmt_spread(times)} ({fmt_ms(rolechain)} vs {fmt_ms(boto3)}); AssumeRole: "
            f"rolechain {_compact(assume['rolechain'])}, boto3 {_compact(assume['boto3'])}",
            at_most(spread(times)[0], COLD_LIMIT),
        ),
        Target(
            f"peak memory of the cold run ≤ {COLD_MEMORY_LIMIT:.1f}× boto3's",
            f"{fmt_spread(peaks)} ({fmt_kib(samples['rolechain'].maxrss_kib)} vs "
            f"{fmt_kib(samples['boto3'].maxrss_kib)})",
            at_most(spread(peaks)[0], COLD_MEMORY_LIMIT),
        ),
    ]
    return section


def peak_memory(ws: Workspace, options: Options) -> Section:
    """Scenario 6: peak RSS of the floor, a warm rolechain export and boto3's static load."""
    progress("peak memory")
    commands = _warm_commands(ws, "memory")
    labels = _labels()
    noop = shutil.which("true")
    if noop:  # what a command of (almost) no size reports: the launcher's share
        commands.append(Command("noop", (noop,), commands[0].env))
        labels["noop"] = "`true` (no-op: what the launcher's fork leaves in any figure)"
    peers = warm_peers(ws, "memory")
    for command, peer in zip(peers, runnable(ws), strict=True):
        labels[command.name] = f"{peer.name}, warm ({runs_with(peer)})"
    commands += peers
    samples = alternate(commands, options.warm_rounds, label="memory: ")
    floor = samples["floor"].maxrss_kib
    floors = samples["floor"].peaks
    rows = [
        [
            labels[c.name],
            fmt_kib(samples[c.name].maxrss_kib),
            fmt_spread(paired_ratios(samples[c.name].peaks, floors)),
        ]
        for c in commands
    ]
    rolechain = samples["rolechain"].maxrss_kib
    over = paired_ratios(samples["rolechain"].peaks, floors)
    over_floor = spread(over)[0]
    section = Section("Peak memory")
    section.body = [
        "Peak resident set size of each process (`ru_maxrss` from `os.wait4`), median over "
        f"{options.warm_rounds} alternated rounds; rolechain's cache warm, and each peer's "
        "as the peers scenario leaves it warm, each in a HOME of its own (awsume keeps no "
        "cache for role chains, so it calls STS on every run). Every command is forked "
        "by a small launcher process, not by the benchmark itself, since a child's `ru_maxrss` "
        "includes what it inherited at fork.",
        "",
        table(["command", "peak RSS", "× floor (IQR)"], rows),
    ]
    section.targets = [
        Target(
            f"rolechain ≤ {MEMORY_LIMIT:.1f}× floor",
            f"{fmt_spread(over)} ({fmt_kib(rolechain)} vs {fmt_kib(floor)})",
            at_most(over_floor, MEMORY_LIMIT),
        )
    ]
    reasons = []
    for peer in peers:
        ratios = paired_ratios(samples["rolechain"].peaks, samples[peer.name].peaks)
        theirs = samples[peer.name].maxrss_kib
        led = spread(ratios)[0] < 1.0
        section.targets.append(
            Target(
                f"peak memory: rolechain leads {peer.name} (rolechain / {peer.name} < 1.00)",
                f"{fmt_spread(ratios)} ({fmt_kib(rolechain)} vs {fmt_kib(theirs)})",
                led,
            )
        )
        if not led:
            reasons.append(why_larger(peer.name, rolechain, theirs, floor))
    if peers:
        section.body += ["", where_not_leading(reasons, "in peak memory")]
    return section
