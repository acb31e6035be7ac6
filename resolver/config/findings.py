"""Where a value came from, and what validation found: shared by every stage that reports
on the user's files (sources, the planner, the static STS checks, ``validate``)."""

from __future__ import annotations

from typing import Literal

from resolver.errors import ResolverError, printable, starts_with_key
from resolver.records import Record


class Location(Record):
    """Where a value came from: a file and a 1-based line (None when unknown)."""

    file: str
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


Severity = Literal["error", "warning"]


class Finding(Record):
    """One validation result: which profile and key break which rule.

    Prints as ``file:line: profile X: message``; the message names the key.
    """

    severity: Severity
    message: str
    profile: str | None = None
    key: str | None = None
    location: Location | None = None

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        who = f"profile {self.profile}: " if self.profile else ""
        prefix = "warning: " if self.severity == "warning" else ""
        return printable(f"{where}{prefix}{who}{self.message}")


def finding_of(error: ResolverError, profile: str | None = None) -> Finding:
    """A raised error as an error finding (keeps its file, line, profile and key); the
    message starts with the key, said once."""
    location = Location(error.file, error.line) if error.file else None
    message = error.message
    if error.key and not starts_with_key(message, error.key):
        message = f"{error.key}: {message}"
    return Finding("error", message, error.profile or profile, error.key, location)


def sorted_findings(findings: list[Finding]) -> list[Finding]:
    """Without repeats, by file, line, then profile (findings without a place first).

    One problem found twice (the eager check of a file and the lazy parse of a profile)
    is one finding: the copy that names the profile is kept.
    """
    unique: dict[object, Finding] = {}
    for finding in findings:
        location = finding.location
        same = (finding.severity, finding.message, location) if location else finding
        kept = unique.get(same)
        if kept is None or (kept.profile is None and finding.profile is not None):
            unique[same] = finding

    def place(finding: Finding) -> tuple[str, int, str]:
        location = finding.location
        where = (location.file, location.line or 0) if location else ("", 0)
        return (*where, finding.profile or "")

    return sorted(unique.values(), key=place)
