"""Where a value came from, and what validation found: shared by every stage that reports
on the user's files (sources, the planner, the static STS checks, ``validate``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True, slots=True)
class Location:
    """Where a value came from: a file and a 1-based line (None when unknown)."""

    file: str
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Finding:
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
        return f"{where}{prefix}{who}{self.message}"
