"""Durations: whole seconds or Go-style h/m/s text, and a canonical round-trippable form."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from resolver.config.durations import format_duration, parse_duration

P = pytest.param


@pytest.mark.parametrize(
    "value, seconds",
    [
        P(3600, 3600, id="int"),
        P("3600", 3600, id="digits"),
        P(" 900 ", 900, id="digits-padded"),
        P("1h", 3600, id="hours"),
        P("15m", 900, id="minutes"),
        P("90s", 90, id="seconds"),
        P("1h30m", 5400, id="hours-minutes"),
        P("1h30m15s", 5415, id="all-units"),
        P("1h15s", 3615, id="hours-seconds"),
        P("90m", 5400, id="minutes-over-60"),
        P("0h1m", 60, id="zero-part"),
        P("36h", 129600, id="large"),
    ],
)
def test_parse(value: int | str, seconds: int) -> None:
    assert parse_duration(value) == seconds


@pytest.mark.parametrize(
    "value",
    [
        P(0, id="zero-int"),
        P(-5, id="negative-int"),
        P("0", id="zero-text"),
        P("0h0m", id="zero-units"),
        P("-1h", id="negative-text"),
        P("", id="empty"),
        P("  ", id="blank"),
        P("h", id="unit-only"),
        P("1.5h", id="fraction"),
        P("1d", id="days"),
        P("1H", id="upper-case"),
        P("30m1h", id="out-of-order"),
        P("1h1h", id="repeated-unit"),
        P("1h 30m", id="inner-space"),
        P("+60", id="plus-sign"),
        P("3_600", id="underscore"),
        P("٣٦٠٠", id="unicode-digits"),
        P("1h30", id="trailing-number"),
        P("soon", id="word"),
    ],
)
def test_parse_rejects(value: int | str) -> None:
    with pytest.raises(ValueError, match=r"duration .* (is not valid|must be positive): use"):
        parse_duration(value)


@pytest.mark.parametrize("value", [P(True, id="bool"), P(1.5, id="float"), P(None, id="none")])
def test_parse_rejects_other_types(value: object) -> None:
    with pytest.raises(TypeError):
        parse_duration(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "seconds, text",
    [
        P(3600, "1h", id="hour"),
        P(900, "15m", id="minutes"),
        P(45, "45s", id="seconds"),
        P(5400, "1h30m", id="hour-minutes"),
        P(90, "1m30s", id="minute-seconds"),
        P(3601, "1h1s", id="hour-second"),
        P(129600, "36h", id="hours-not-days"),
    ],
)
def test_format(seconds: int, text: str) -> None:
    assert format_duration(seconds) == text


@pytest.mark.parametrize("seconds", [P(0, id="zero"), P(-1, id="negative")])
def test_format_rejects_non_positive(seconds: int) -> None:
    with pytest.raises(ValueError, match="must be positive"):
        format_duration(seconds)


@given(st.integers(min_value=1, max_value=10**7))
def test_format_then_parse_round_trips(seconds: int) -> None:
    text = format_duration(seconds)
    assert parse_duration(text) == seconds
    assert parse_duration(str(seconds)) == seconds


@given(
    st.integers(min_value=0, max_value=100),
    st.integers(min_value=0, max_value=59),
    st.integers(min_value=0, max_value=59),
)
def test_canonical_text_parses_back_to_itself(hours: int, minutes: int, secs: int) -> None:
    seconds = hours * 3600 + minutes * 60 + secs
    if seconds:
        assert format_duration(parse_duration(format_duration(seconds))) == format_duration(seconds)
        text = "".join(f"{n}{u}" for n, u in ((hours, "h"), (minutes, "m"), (secs, "s")) if n)
        assert format_duration(seconds) == text
