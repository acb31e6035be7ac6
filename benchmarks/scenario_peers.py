"""Peers (awsume, aws-export-credentials) beside rolechain and boto3: the 3-hop chain,
cold (every cache emptied before every run) and warm (each tool's own cache as it
left it), every run's AssumeRole calls counted by moto's recorder."""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass

from harness import Command, Samples, alternate, progress, run_once
from peers import Peer, not_runnable, runnable, runs_with, sdk_versions
from report import Section, Target, fmt_kib, fmt_ms, fmt_spread, paired_ratios, spread, table
from workspace import (
    BIN,
    CHAIN_PROFILE,
    FLOOR,
    Env,
    Options,
    Workspace,
    boto3_chain,
    rolechain_export,
)

SMALL = 10
LEAD = 1.0  # rolechain / peer, median of per-round ratios: below this, rolechain leads
BOTO3_CACHE = "none between processes"
ROLECHAIN_CACHE = "its disk cache (every hop's session, answers keyed by the plan)"


class _Recorded:
    """AssumeRole calls of every run of every command, from moto's recorder."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.calls: dict[str, list[int]] = {}
        self.commands: list[Command] = []

    def command(
        self, name: str, argv: tuple[str, ...], env: Env, wipe: Callable[[], None] | None
    ) -> Command:
        self.calls[name] = []

        def before() -> None:
            if wipe is not None:
                wipe()
            self.ws.start_recording()

        def after() -> None:
            self.calls[name].append(self.ws.stop_recording()["AssumeRole"])

        return Command(name, argv, env.vars, before=before, after=after)

    def counts(self, name: str) -> str:
        low, high = min(self.calls[name], default=0), max(self.calls[name], default=0)
        return str(low) if low == high else f"{low}–{high}"

    def median(self, name: str) -> float:
        return statistics.median(self.calls[name]) if self.calls[name] else 0.0


def _commands(ws: Workspace, recorded: _Recorded, warm: bool) -> dict[str, str]:
    """rolechain, boto3 and every runnable peer, each in its own HOME; their caches
    emptied before every run (cold) or filled once and kept (warm). Name -> cache kept."""
    kind = "warm" if warm else "cold"
    env = ws.env(SMALL, f"peers-{kind}-rolechain")
    if warm:
        run_once(Command("rolechain (filling its cache)", rolechain_export(), env.vars))
    commands = {"rolechain": (rolechain_export(), env, None if warm else env.wipe_cache)}
    caches = {"rolechain": ROLECHAIN_CACHE if warm else "emptied", "boto3": BOTO3_CACHE}
    commands["boto3"] = (boto3_chain(), ws.env(SMALL, f"peers-{kind}-boto3"), None)
    for peer in runnable(ws):
        peer_env = ws.env(SMALL, f"peers-{kind}-{peer.name}")
        argv = peer.argv(peer_env, warm=warm)
        if warm:
            run_once(Command(f"{peer.name} (filling its cache)", argv, peer_env.vars))
        commands[peer.name] = (argv, peer_env, None if warm else _wiper(peer, peer_env))
        caches[peer.name] = peer.cache if warm else "emptied"
    recorded.commands = [recorded.command(name, *spec) for name, spec in commands.items()]
    return caches


def warm_peers(ws: Workspace, name: str) -> list[Command]:
    """Every runnable peer in a HOME of its own, its cache filled by one run (warm)."""
    commands = []
    for peer in runnable(ws):
        env = ws.env(SMALL, f"{name}-{peer.name}")
        argv = peer.argv(env, warm=True)
        run_once(Command(f"{peer.name} (filling its cache)", argv, env.vars))
        commands.append(Command(peer.name, argv, env.vars))
    return commands


def why_larger(peer: str, ours: float, theirs: float, floor: float) -> str:
    """Why rolechain's peak RSS (KiB) is not below a peer's, from the figures."""
    return (
        f"peak memory: {peer} {fmt_kib(theirs)}, rolechain {fmt_kib(ours)}, the interpreter "
        f"alone {fmt_kib(floor)}: rolechain held {fmt_kib(ours - floor)} above the "
        f"interpreter's own, {peer} {fmt_kib(theirs - floor)}."
    )


def _wiper(peer: Peer, env: Env) -> Callable[[], None]:
    return lambda: peer.wipe_cache(env)


def _measure(
    ws: Workspace, options: Options, warm: bool
) -> tuple[dict[str, Samples], _Recorded, dict[str, str]]:
    recorded = _Recorded(ws)
    caches = _commands(ws, recorded, warm)
    floor = Command("floor", FLOOR, ws.env(SMALL, "peers-floor").vars)
    label = "peers warm: " if warm else "peers cold: "
    samples = alternate([floor, *recorded.commands], options.rounds, label=label)
    return samples, recorded, caches


def tool_versions(peers: list[Peer]) -> dict[str, str]:
    """Each tool's boto3/botocore: rolechain's and boto3's are the benchmark venv's."""
    ours = f"`{BIN.parent.name}`: {sdk_versions(BIN)}"
    return {"rolechain": ours, "boto3": ours, **{peer.name: runs_with(peer) for peer in peers}}


def _rows(
    samples: dict[str, Samples],
    recorded: _Recorded,
    caches: dict[str, str],
    versions: dict[str, str],
) -> list[list[object]]:
    ours = samples["rolechain"].times
    floor = samples["floor"]
    rows: list[list[object]] = [
        [
            "floor: `python -c pass`",
            "",
            "",
            fmt_ms(floor.seconds),
            fmt_kib(floor.maxrss_kib),
            "",
            "",
        ]
    ]
    for name in recorded.calls:
        ratio = fmt_spread(paired_ratios(ours, samples[name].times)) if name != "rolechain" else ""
        rows.append(
            [
                name,
                versions[name],
                caches[name],
                fmt_ms(samples[name].seconds),
                fmt_kib(samples[name].maxrss_kib),
                recorded.counts(name),
                ratio,
            ]
        )
    return rows


def _lead_targets(
    samples: dict[str, Samples], recorded: _Recorded, kind: str, peers: list[Peer]
) -> tuple[list[Target], list[str]]:
    """One lead target per peer; and, for each one rolechain does not lead, why."""
    ours, floor = samples["rolechain"], samples["floor"].seconds
    targets, reasons = [], []
    for peer in peers:
        ratios = paired_ratios(ours.times, samples[peer.name].times)
        led = spread(ratios)[0] < LEAD
        targets.append(
            Target(
                f"{kind}: rolechain leads {peer.name} (rolechain / {peer.name} < {LEAD:.2f})",
                f"{fmt_spread(ratios)} ({fmt_ms(ours.seconds)} vs "
                f"{fmt_ms(samples[peer.name].seconds)})",
                led,
            )
        )
        if not led:
            reasons.append(
                why_slower(
                    Timed(kind, "rolechain", ours.seconds, recorded.median("rolechain")),
                    Timed(kind, peer.name, samples[peer.name].seconds, recorded.median(peer.name)),
                    floor,
                )
            )
    return targets, reasons


@dataclass(frozen=True)
class Timed:
    """One tool's median time in a scenario and its AssumeRole calls per run."""

    kind: str
    name: str
    seconds: float
    calls: float


def why_slower(ours: Timed, theirs: Timed, floor: float) -> str:
    """Why rolechain (``ours``) took longer than a peer, from the figures: the STS calls
    each made and the time each spent above the interpreter's start (``floor``)."""
    head = (
        f"{ours.kind}: {theirs.name} took {fmt_ms(theirs.seconds)}, rolechain "
        f"{fmt_ms(ours.seconds)} (floor {fmt_ms(floor)}), with {theirs.calls:g} AssumeRole "
        f"calls per run against rolechain's {ours.calls:g}"
    )
    above = (
        f"rolechain spent {fmt_ms(ours.seconds - floor)} above the floor, {theirs.name} "
        f"{fmt_ms(theirs.seconds - floor)}"
    )
    if theirs.calls < ours.calls:
        return f"{head}: its cache answered where rolechain called STS ({above})."
    return (
        f"{head}: no fewer STS round trips for {theirs.name}, so the difference is work in "
        f"rolechain's process itself (start-up, imports, signing, cache) — {above}."
    )


def peer_tools(ws: Workspace, options: Options) -> Section:
    """Cold then warm: rolechain, boto3 and the peers in alternated rounds."""
    progress("peers: awsume and aws-export-credentials")
    header = [
        "command",
        "boto3 / botocore",
        "cache",
        "median",
        "peak RSS",
        "AssumeRole per run",
        "rolechain / it (IQR)",
    ]
    section = Section("Peers: awsume and aws-export-credentials")
    section.body = [
        f"The {SMALL}-profile config and the 3-hop chain `{CHAIN_PROFILE}` against the same "
        "moto. rolechain: `rolechain export bench-c --format credential-process`; boto3: "
        f"`Session(profile_name='{CHAIN_PROFILE}')` credentials; awsume: `awsumepy "
        f"{CHAIN_PROFILE}` (the program its sourced `awsume` shell function runs); "
        f"aws-export-credentials: `aws-export-credentials --profile {CHAIN_PROFILE} --json` "
        "(warm: with `--cache-file`). Both peers build their STS clients with boto3, which "
        "takes the local STS from `AWS_ENDPOINT_URL_STS`. aws-export-credentials 0.18.0 (the "
        "latest release) fails with botocore 1.37 and later (benkehoe/aws-export-credentials#19), "
        "so the benchmark command installs it with `boto3<1.37` in `.venv-bench-aec` and it "
        "runs from there; the column boto3 / botocore says which versions each tool ran "
        "with (botocore's version changes a cold run's imports). Each tool runs in a HOME of its "
        "own. Before measuring, each peer ran once and had to make exactly the AssumeRole "
        "calls for roles a, b, c (recorder) and print credentials that moto accepts as role "
        f"c's (`GetCallerIdentity`). {options.rounds} rounds each, alternated; AssumeRole "
        "calls counted by the recorder for every run, warm-up included.",
    ]
    failed = not_runnable(ws)
    if failed:
        section.body += ["", "Not measured (the probe's reason):", ""]
        section.body += [f"- {line}" for line in failed]
    targets: list[Target] = []
    reasons: list[str] = []
    peers = runnable(ws)
    versions = tool_versions(peers)
    for warm in (False, True):
        kind = "warm" if warm else "cold"
        samples, recorded, caches = _measure(ws, options, warm)
        what = "every cache emptied before every run"
        if warm:
            what = "each tool's cache filled once before the runs and kept"
        section.body += ["", f"**{kind.capitalize()}** ({what}):", ""]
        section.body.append(table(header, _rows(samples, recorded, caches, versions), right=3))
        lead, why = _lead_targets(samples, recorded, kind, peers)
        targets += lead
        reasons += why
    for line in failed:
        name = line.split(":", 1)[0]
        targets.append(Target(f"rolechain leads {name}", "could not run (see section)", None))
    section.targets = targets
    section.body += ["", where_not_leading(reasons, "in both runs")]
    return section


def where_not_leading(reasons: list[str], where: str) -> str:
    """The report's line on the comparisons rolechain did not win, with why for each."""
    if not reasons:
        return f"rolechain leads every measured peer {where}."
    return "Where rolechain does not lead: " + " ".join(reasons)
