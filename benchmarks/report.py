"""RESULTS.md: the header, the summary of targets, one section per scenario.

Also the small pure helpers every scenario uses to turn measurements into text:
ratios, growth above the floor, verdicts and number formats.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

MET, MISSED, NOT_MEASURED, INFORMATIVE = "met", "missed", "not measured", "informative"


@dataclass(frozen=True)
class Target:
    """A target of a scenario, what was measured against it, and whether it was met."""

    target: str
    measured: str
    met: bool | None  # None: not measured in this run
    informative: bool = False  # a figure to watch, no target to meet

    @property
    def verdict(self) -> str:
        return INFORMATIVE if self.informative else verdict(self.met)


@dataclass
class Section:
    """One scenario's part of the report."""

    title: str
    body: list[str] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    error: str | None = None
    number: int = 0  # its place in the full suite; 0: unnumbered

    @property
    def heading(self) -> str:
        return f"{self.number}. {self.title}" if self.number else self.title


@dataclass(frozen=True)
class Header:
    """Where and how the numbers were taken."""

    when: str
    python: str
    platform: str
    cpus: int
    version: str
    commit: str
    command: str
    rounds: str
    package: str = ""


def ratio(numerator: float, denominator: float) -> float:
    """``numerator / denominator``; infinity for a zero denominator."""
    return numerator / denominator if denominator else float("inf")


def spread(values: Sequence[float]) -> tuple[float, float, float]:
    """(median, first quartile, third quartile) of ``values``."""
    ordered = sorted(values)
    if not ordered:
        return (float("nan"),) * 3
    if len(ordered) == 1:
        return ordered[0], ordered[0], ordered[0]
    q1, median, q3 = statistics.quantiles(ordered, n=4, method="inclusive")
    return median, q1, q3


def paired_ratios(numerators: Sequence[float], denominators: Sequence[float]) -> list[float]:
    """Round-by-round ratios of two commands measured in the same alternated rounds."""
    return [ratio(a, b) for a, b in zip(numerators, denominators, strict=True)]


def fmt_spread(values: Sequence[float]) -> str:
    """``0.78× (IQR 0.74–0.81×)``: the median ratio and its interquartile range."""
    median, q1, q3 = spread(values)
    return f"{fmt_ratio(median)} (IQR {q1:.2f}–{fmt_ratio(q3)})"


def growth(small: float, small_floor: float, large: float, large_floor: float) -> float:
    """How much the time above the floor grew from the small to the large input."""
    return ratio(large - large_floor, small - small_floor)


def verdict(met: bool | None) -> str:
    """The word for a target's outcome."""
    return NOT_MEASURED if met is None else (MET if met else MISSED)


def at_most(value: float, limit: float) -> bool:
    return value <= limit


def at_least(value: float, limit: float) -> bool:
    return value >= limit


def fmt_ms(seconds: float) -> str:
    """Milliseconds: one decimal below a second, none above."""
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds * 1000:,.0f} ms"


def fmt_us(seconds: float) -> str:
    """Microseconds with two decimals."""
    return f"{seconds * 1e6:.2f} µs"


def fmt_ratio(value: float) -> str:
    """A ratio such as ``1.07×``."""
    return f"{value:.2f}×" if value < 100 else f"{value:,.0f}×"


def fmt_kib(kib: float) -> str:
    return f"{kib:,.0f} KiB"


def table(header: Sequence[str], rows: Sequence[Sequence[object]], right: int = 1) -> str:
    """A markdown table; columns from index ``right`` on are right-aligned."""
    align = ["---" if index < right else "---:" for index in range(len(header))]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(align) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def summary(sections: Sequence[Section]) -> str:
    """Every target of every scenario, one row each."""
    rows: list[list[object]] = []
    for section in sections:
        if section.error is not None:
            rows.append([section.heading, "—", "failed: see below", "failed"])
        for target in section.targets:
            rows.append([section.heading, target.target, target.measured, target.verdict])
    return table(["scenario", "target", "measured", "verdict"], rows, right=99)


def render(header: Header, sections: Sequence[Section]) -> str:
    """The whole RESULTS.md."""
    lines = [
        "# rolechain benchmark results",
        "",
        "Written by `benchmarks/run.py`; every figure below comes from the run described here.",
        "Times are medians of alternated runs (A, B, C, A, B, C ... after one warm-up round).",
        "A ratio is the median of the round-by-round ratios of two commands measured in the",
        "same rounds, with the interquartile range (IQR) of those ratios: the spread that",
        "noise left. A target counts as met on the median. The floor is",
        "`python -c pass` with the same interpreter and environment. Each timed command is",
        "forked by a small launcher process that times it from fork to `wait4` and reads its",
        "peak RSS from the same `wait4`. Every command runs from a neutral working directory",
        "with no `PYTHONPATH` or `PYTHONDONTWRITEBYTECODE`, so it measures the installed",
        "package (where it was loaded from is in the table below).",
        "",
        table(
            ["run", ""],
            [
                ["date (UTC)", header.when],
                ["Python", header.python],
                ["platform", header.platform],
                ["CPUs", header.cpus],
                ["rolechain", header.version],
                ["commit", header.commit],
                ["command", f"`{header.command}`"],
                ["rounds", header.rounds],
                ["package measured", f"`{header.package}`"],
            ],
            right=99,
        ),
        "",
        "## Summary",
        "",
        summary(sections),
    ]
    for section in sections:
        lines += ["", f"## {section.heading}", ""]
        if section.error is not None:
            lines += ["**Failed:**", "", "```text", section.error, "```"]
        if section.error is not None and section.body:
            lines.append("")
        lines += section.body
        if section.targets:
            lines += [""] + [
                f"- Target: {target.target} — measured {target.measured}: **{target.verdict}**"
                for target in section.targets
            ]
    return "\n".join(lines).rstrip() + "\n"
