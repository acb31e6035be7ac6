"""Scenario 3: config size — rolechain's explain and export against botocore, 10 to 50,000
profiles, and how rolechain's time above the floor grows with the file."""

from __future__ import annotations

from harness import Command, Samples, alternate, progress
from report import (
    Section,
    Target,
    at_most,
    fmt_ms,
    fmt_ratio,
    fmt_spread,
    growth,
    paired_ratios,
    spread,
    table,
)
from workspace import (
    CHAIN_PROFILE,
    FLOOR,
    ROLECHAIN,
    STATIC_PROFILE,
    Options,
    Workspace,
    python_code,
    rolechain_export,
)

SMALL, LARGE, CHECKED = 1_000, 50_000, 10_000
BOTOCORE_LIMIT = 0.10  # rolechain / botocore at CHECKED profiles
COMMANDS = ("floor", "explain", "export", "botocore")
HEADER = ("filler profiles", "rounds", *COMMANDS, "explain / botocore", "export / botocore")


def botocore_static() -> tuple[str, ...]:
    return python_code(
        "import botocore.session",
        f"botocore.session.Session(profile={STATIC_PROFILE!r})"
        ".get_credentials().get_frozen_credentials()",
    )


def measure_size(ws: Workspace, size: int, rounds: int) -> dict[str, Samples]:
    env = ws.env(size, f"size-{size}")
    commands = [
        Command("floor", FLOOR, env.vars),
        Command("explain", (ROLECHAIN, "explain", CHAIN_PROFILE, "--json"), env.vars),
        Command("export", rolechain_export(STATIC_PROFILE, "json"), env.vars),
        Command("botocore", botocore_static(), env.vars),
    ]
    return alternate(commands, rounds, label=f"{size:,} profiles: ")


def config_size(ws: Workspace, options: Options) -> Section:
    """Every size in ``options.sizes``; fewer rounds at the largest (botocore is slow)."""
    progress("config size")
    medians: dict[int, dict[str, float]] = {}
    ratios: dict[int, dict[str, list[float]]] = {}
    rounds_used: dict[int, int] = {}
    for size in options.sizes:
        rounds_used[size] = options.large_rounds if size >= LARGE else options.rounds
        samples = measure_size(ws, size, rounds_used[size])
        medians[size] = {name: samples[name].seconds for name in COMMANDS}
        ratios[size] = {
            name: paired_ratios(samples[name].times, samples["botocore"].times)
            for name in ("explain", "export")
        }
    rows = []
    for size, m in medians.items():
        rows.append(
            [f"{size:,}", rounds_used[size]]
            + [fmt_ms(m[name]) for name in COMMANDS]
            + [fmt_spread(ratios[size]["explain"]), fmt_spread(ratios[size]["export"])]
        )
    section = Section("Config size")
    section.body = [
        "Shared config files of N filler profiles (every 4th static keys, the others "
        "`source_profile` + `role_arn`), with the 5 benchmark profiles appended at the end so "
        "every tool reads the whole file. explain: "
        f"`rolechain explain {CHAIN_PROFILE} --json` (pure, no network); export: "
        f"`rolechain export {STATIC_PROFILE} --format json` (full resolution of a static "
        f"profile); botocore: `botocore.session.Session(profile='{STATIC_PROFILE}')"
        ".get_credentials().get_frozen_credentials()`.",
        "",
        table(
            HEADER,
            rows,
        ),
    ]
    if any(size >= LARGE for size in medians) and options.large_rounds != options.rounds:
        section.body += [
            "",
            f"At {LARGE:,} profiles botocore takes seconds per run, so that size was measured "
            f"with {options.large_rounds} round(s) instead of {options.rounds} (still "
            "alternated, after one warm-up round).",
        ]
    section.targets = [*_ratio_targets(medians, ratios), *_growth_targets(medians, section)]
    return section


def _ratio_targets(
    medians: dict[int, dict[str, float]], ratios: dict[int, dict[str, list[float]]]
) -> list[Target]:
    targets = []
    for name in ("explain", "export"):
        goal = f"{name} at {CHECKED:,} profiles ≤ {BOTOCORE_LIMIT:.2f}× botocore"
        if CHECKED not in medians:
            targets.append(Target(goal, f"{CHECKED:,} profiles not in this run", None))
            continue
        m = medians[CHECKED]
        value = spread(ratios[CHECKED][name])[0]
        measured = f"{fmt_spread(ratios[CHECKED][name])} "
        measured += f"({fmt_ms(m[name])} vs {fmt_ms(m['botocore'])})"
        targets.append(Target(goal, measured, at_most(value, BOTOCORE_LIMIT)))
    return targets


def _growth_targets(medians: dict[int, dict[str, float]], section: Section) -> list[Target]:
    factor = LARGE / SMALL
    targets, lines = [], []
    for name in ("explain", "export"):
        goal = (
            f"{name}: growth above the floor from {SMALL:,} to {LARGE:,} profiles "
            f"≤ {factor:.0f}× (linear)"
        )
        if SMALL not in medians or LARGE not in medians:
            targets.append(Target(goal, "these sizes not both in this run", None))
            continue
        small, large = medians[SMALL], medians[LARGE]
        value = growth(small[name], small["floor"], large[name], large["floor"])
        lines.append(
            f"- {name}: {fmt_ms(small[name] - small['floor'])} above the floor at {SMALL:,}, "
            f"{fmt_ms(large[name] - large['floor'])} at {LARGE:,}: {fmt_ratio(value)} "
            f"for {factor:.0f}× the profiles."
        )
        targets.append(Target(goal, fmt_ratio(value), at_most(value, factor)))
    if lines:
        section.body += ["", "Growth of the time above the floor:", "", *lines]
    return targets
