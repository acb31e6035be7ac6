"""Cold chains of 1 to 10 hops against boto3 (with the cost per hop), and 3 hops over https."""

from __future__ import annotations

from collections.abc import Sequence

from harness import Command, Samples, alternate, progress
from report import (
    Section,
    Target,
    at_most,
    fmt_ms,
    fmt_ratio,
    fmt_spread,
    paired_ratios,
    spread,
    table,
)
from tls import tls_sts
from workspace import (
    CHAIN_HOPS,
    CHAIN_LENGTHS,
    CHAIN_PROFILE,
    FLOOR,
    Options,
    Workspace,
    boto3_chain,
    chain_profile,
    rolechain_export,
)

SMALL = 10
CHAIN_LIMIT = 0.80  # rolechain / boto3, every length
HTTPS_LIMIT = 0.60  # rolechain / boto3, 3 hops over https (issue 25)


def _slope(xs: Sequence[float], ys: Sequence[float]) -> float:
    """The least-squares slope of ``ys`` over ``xs``."""
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    spread_x = sum((x - mean_x) ** 2 for x in xs)
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread_x


def _per_hop(samples: dict[str, Samples], tool: str) -> list[float]:
    """Round-by-round cost of one more hop: the least-squares slope of that round's times
    over every chain length (less sensitive to one slow run than the two ends alone)."""
    lengths = [hops for hops in CHAIN_LENGTHS if f"{tool} {hops}" in samples]
    rounds = zip(*(samples[f"{tool} {hops}"].times for hops in lengths), strict=True)
    return [_slope(lengths, times) for times in rounds]


def chain_lengths(ws: Workspace, options: Options) -> Section:
    """Chains of every length in ``CHAIN_LENGTHS``, rolechain (empty cache) and boto3."""
    progress("cold chains of 1 to 10 hops")
    env = ws.env(SMALL, "chains")
    calls: dict[str, list[int]] = {}
    commands = [Command("floor", FLOOR, env.vars)]
    for hops in CHAIN_LENGTHS:
        for tool, argv in (
            ("rolechain", rolechain_export(chain_profile(hops))),
            ("boto3", boto3_chain(chain_profile(hops))),
        ):
            name = f"{tool} {hops}"
            calls[name] = []

            def before(wipe: bool = tool == "rolechain") -> None:
                if wipe:
                    env.wipe_cache()
                ws.start_recording()

            def after(name: str = name) -> None:
                calls[name].append(ws.stop_recording()["AssumeRole"])

            commands.append(Command(name, argv, env.vars, before=before, after=after))
    samples = alternate(commands, options.rounds, label="chains: ")
    rows, targets = [], []
    for hops in CHAIN_LENGTHS:
        ours, theirs = samples[f"rolechain {hops}"], samples[f"boto3 {hops}"]
        ratios = paired_ratios(ours.times, theirs.times)
        counts = calls[f"rolechain {hops}"] + calls[f"boto3 {hops}"]
        rows.append(
            [
                hops,
                fmt_ms(ours.seconds),
                fmt_ms(theirs.seconds),
                fmt_spread(ratios),
                f"{min(counts)}–{max(counts)}" if min(counts) != max(counts) else min(counts),
            ]
        )
        targets.append(
            Target(
                f"{hops}-hop chain: rolechain ≤ {CHAIN_LIMIT:.2f}× boto3",
                fmt_spread(ratios) + f" ({fmt_ms(ours.seconds)} vs {fmt_ms(theirs.seconds)})",
                at_most(spread(ratios)[0], CHAIN_LIMIT),
            )
        )
    ours_hop, theirs_hop = _per_hop(samples, "rolechain"), _per_hop(samples, "boto3")
    hop_ratios = paired_ratios(ours_hop, theirs_hop)
    targets.append(
        Target(
            "cost per hop: rolechain ≤ boto3",
            f"{fmt_ms(spread(ours_hop)[0])} vs {fmt_ms(spread(theirs_hop)[0])} per hop: "
            + fmt_spread(hop_ratios),
            at_most(spread(ours_hop)[0], spread(theirs_hop)[0]),
        )
    )
    section = Section("Cold chains of 1 to 10 hops")
    section.body = [
        f"The {SMALL}-profile config; `bench-hN` is static keys then N AssumeRole hops. "
        "rolechain: `rolechain export bench-hN --format credential-process`, its cache "
        "emptied before every run; boto3: `Session(profile_name='bench-hN')` credentials. "
        f"All {len(commands)} commands alternate in each of {options.rounds} rounds; the "
        f"floor (`python -c pass`) is {fmt_ms(samples['floor'].seconds)}. AssumeRole calls "
        "are counted by moto's recorder for every run, warm-up included.",
        "",
        table(["hops", "rolechain", "boto3", "rolechain / boto3", "AssumeRole per run"], rows),
        "",
        "Cost of one more hop (per round, the least-squares slope of the time over the "
        f"chain lengths {', '.join(map(str, CHAIN_LENGTHS))}): rolechain "
        f"{fmt_ms(spread(ours_hop)[0])}, boto3 {fmt_ms(spread(theirs_hop)[0])}; "
        f"ratio {fmt_spread(hop_ratios)}.",
    ]
    section.targets = targets
    return section


def https_chain(ws: Workspace, options: Options) -> Section:
    """The 3-hop chain against moto over https, with ``AWS_CA_BUNDLE`` for both tools."""
    progress("cold 3-hop chain over https")
    with tls_sts(ws.root / "tls", ws.server_env()) as sts:
        env = ws.env(SMALL, "https", sts_url=sts.url, AWS_CA_BUNDLE=str(sts.ca_bundle))
        commands = [
            Command("floor", FLOOR, env.vars),
            Command("rolechain", rolechain_export(), env.vars, before=env.wipe_cache),
            Command("boto3", boto3_chain(), env.vars),
        ]
        samples = alternate(commands, options.rounds, label="https: ")
    ours, theirs = samples["rolechain"], samples["boto3"]
    ratios = paired_ratios(ours.times, theirs.times)
    section = Section("Cold 3-hop chain over https")
    section.body = [
        f"As the cold 3-hop chain (`{CHAIN_PROFILE}`, {CHAIN_HOPS} hops, rolechain's cache "
        "emptied before every run), but STS is a second moto_server serving https with a "
        "self-signed certificate for 127.0.0.1, which both tools trust through "
        f"`AWS_CA_BUNDLE`. {options.rounds} rounds.",
        "",
        table(
            ["command", "median", "× floor"],
            [
                [name, fmt_ms(samples[name].seconds), fmt_ratio(samples[name].seconds / floor)]
                for name, floor in (
                    (name, samples["floor"].seconds) for name in ("floor", "rolechain", "boto3")
                )
            ],
        ),
    ]
    section.targets = [
        Target(
            f"rolechain ≤ {HTTPS_LIMIT:.2f}× boto3 over https",
            fmt_spread(ratios) + f" ({fmt_ms(ours.seconds)} vs {fmt_ms(theirs.seconds)})",
            at_most(spread(ratios)[0], HTTPS_LIMIT),
        )
    ]
    return section
