"""Static checks of session durations: AssumeRole's range, the one-hour cap on chained
hops, and GetSessionToken's range. Pure: stdlib only."""

from __future__ import annotations

CHAINED_MAX_SECONDS = 3600
ROLE_SECONDS = (900, 43200)
SESSION_TOKEN_SECONDS = (900, 129600)
DURATION_KEY = "duration_seconds"
CHAINED = "for a chained role (the caller holds role-session credentials)"


def range_problem(key: str, seconds: int, limits: tuple[int, int], call: str) -> str | None:
    low, high = limits
    if low <= seconds <= high:
        return None
    return f"{key} {seconds} is outside the {low}-{high} second range {call} allows"


def check_duration(seconds: int, *, chained: bool) -> str | None:
    """AssumeRole DurationSeconds: 900-43200, and at most 3600 on a chained hop."""
    problem = range_problem(DURATION_KEY, seconds, ROLE_SECONDS, "AssumeRole")
    if problem is None and chained and seconds > CHAINED_MAX_SECONDS:
        return over_hour(seconds, CHAINED)
    return problem


def check_session_token_duration(seconds: int) -> str | None:
    """GetSessionToken DurationSeconds (INI ``mfa_session_duration``): 900-129600."""
    key = "mfa_session_duration"
    return range_problem(key, seconds, SESSION_TOKEN_SECONDS, "GetSessionToken")


def over_hour(seconds: int, reason: str) -> str:
    return f"duration_seconds {seconds} exceeds the {CHAINED_MAX_SECONDS}-second limit {reason}"
