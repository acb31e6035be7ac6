"""resolver.timefmt: the two written forms told apart, and the two reading rules."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from resolver.timefmt import parse_expiration, parse_rfc3339, rfc3339_exact, rfc3339_seconds

MOMENT = datetime(2030, 1, 2, 3, 4, 5, 250000, tzinfo=timezone(timedelta(hours=2)))
moments = st.datetimes(
    min_value=datetime(1970, 1, 2),
    max_value=datetime(9998, 12, 31),
    timezones=st.just(timezone.utc),
)


def test_the_two_written_forms() -> None:
    assert rfc3339_seconds(MOMENT) == "2030-01-02T01:04:05Z"
    assert rfc3339_exact(MOMENT) == "2030-01-02T01:04:05.250000Z"
    assert rfc3339_exact(MOMENT.replace(microsecond=0)) == "2030-01-02T01:04:05Z"


@given(moments)
def test_exact_reads_back_the_same_moment_and_seconds_drops_only_the_fraction(
    moment: datetime,
) -> None:
    assert parse_rfc3339(rfc3339_exact(moment)) == moment
    assert parse_rfc3339(rfc3339_seconds(moment)) == moment.replace(microsecond=0)
    assert parse_expiration(rfc3339_exact(moment)) == moment


def test_the_two_reading_rules() -> None:
    with pytest.raises(ValueError):
        parse_rfc3339("2030-01-02T03:04:05")  # the cache's own files always have a zone
    assert parse_expiration("2030-01-02T03:04:05") == datetime(
        2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc
    )
    assert parse_expiration("2030-01-02T03:04:05.123456789+01:00") == datetime(
        2030, 1, 2, 2, 4, 5, 123456, tzinfo=timezone.utc
    )
    with pytest.raises(ValueError):
        parse_expiration("soon")
