"""The SSO portal listing of ``rolechain sso populate`` (``sso_portal.list_assignments``)
against the fake portal: every bound is a one-line ``sso-portal-limit`` error, a
malformed or failing answer a one-line ProviderError without the token."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator

import pytest

from resolver.errors import ProviderError
from resolver.providers.bases.sso_portal import Assignment, PortalLimits, list_assignments
from tests.cli.sso_portal_fake import FakePortal, Request, error, serve
from tests.cli.test_sso_populate import ACCESS_TOKEN, START_URL, no_backoff, write_token
from tests.conftest import IsolatedEnv

__all__ = ["no_backoff"]  # the fixture, used here too


@pytest.fixture
def portal(isolated_env: IsolatedEnv, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakePortal]:
    accounts = {f"{n:012d}": f"Account {n}" for n in range(1, 6)}
    roles = {key: ["Admin", "ReadOnly", "Billing"] for key in accounts}
    with serve(FakePortal(ACCESS_TOKEN, accounts, roles, page_size=2)) as fake:
        monkeypatch.setenv("AWS_ENDPOINT_URL_SSO", fake.url)
        write_token(isolated_env.home)
        yield fake


def listing(**limits: float) -> list[Assignment]:
    return list_assignments(
        START_URL,
        "eu-west-1",
        "corp",
        environ=os.environ,
        limits=PortalLimits(**limits),  # type: ignore[arg-type]
    )


def failure(**limits: float) -> ProviderError:
    with pytest.raises(ProviderError) as info:
        listing(**limits)
    message = str(info.value)
    assert "\n" not in message and ACCESS_TOKEN not in message
    return info.value


def test_every_account_and_role_in_order(portal: FakePortal) -> None:
    found = listing()
    assert len(found) == 15
    assert found[0] == Assignment("000000000001", "Account 1", "Admin")
    assert found == sorted(found)
    # ListAccounts: 3 pages of 2; ListAccountRoles: 2 pages for each of the 5 accounts
    assert len(portal.calls("/assignment/accounts")) == 3
    assert len(portal.calls("/assignment/roles")) == 10


@pytest.mark.parametrize(
    ("limits", "says"),
    [
        ({"accounts": 4}, "more than 4 accounts"),
        ({"roles_per_account": 2}, "account 000000000001 has more than 2 roles"),
        ({"roles": 7}, "more than 7 roles in all"),
        ({"pages": 2}, "ListAccounts took more than 2 pages"),
    ],
)
def test_counts_are_bounded(portal: FakePortal, limits: dict[str, float], says: str) -> None:
    error = failure(**limits)
    assert error.reason == "sso-portal-limit" and says in str(error)


def test_a_portal_that_never_stops_paging_is_bounded(portal: FakePortal) -> None:
    portal.endless_pages = True
    error = failure(pages=5)
    assert error.reason == "sso-portal-limit"
    assert len(portal.requests) == 5


def test_total_time_is_bounded(portal: FakePortal, monkeypatch: pytest.MonkeyPatch) -> None:
    ticks = itertools.count(0, 100)  # each clock reading is 100 s later
    with pytest.raises(ProviderError) as info:
        list_assignments(
            START_URL,
            "eu-west-1",
            "corp",
            environ=os.environ,
            limits=PortalLimits(seconds=250),
            clock=lambda: float(next(ticks)),
        )
    assert info.value.reason == "sso-portal-limit" and "more than 250s" in str(info.value)
    assert len(portal.requests) == 2


def test_an_oversized_answer_is_refused(portal: FakePortal) -> None:
    portal.accounts = {f"{n:012d}": "x" * 250 for n in range(5000)}
    portal.page_size = 5000  # one page of about 1.4 MB
    error = failure()
    assert "larger than 1048576 bytes" in str(error)


def test_throttling_is_retried_a_bounded_number_of_times(portal: FakePortal) -> None:
    portal.override = lambda request: error(429, "TooManyRequestsException", "Rate exceeded")
    error_ = failure()
    assert error_.code == "TooManyRequestsException"
    assert len(portal.requests) == 3  # botocore's standard mode: 3 attempts in all


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        ({"accountList": [{"accountId": "12345", "accountName": "x"}]}, "12-digit accountId"),
        ({"accountList": "nope"}, "answer is malformed"),
        ({"nextToken": "x"}, "no accountList list"),
        ({"accountList": [{"accountId": "000000000001", "accountName": "n" * 257}]}, "over 256"),
    ],
)
def test_malformed_account_lists(portal: FakePortal, answer: object, says: str) -> None:
    portal.override = lambda request: (200, {}, answer)
    assert says in str(failure())


def test_malformed_role_names(portal: FakePortal) -> None:
    def roles(request: Request) -> tuple[int, dict[str, str], object] | None:
        if request.path != "/assignment/roles":
            return None
        return 200, {}, {"roleList": [{"roleName": "Admin\n[profiles.evil]"}]}

    portal.override = roles
    assert "not 1-64 characters" in str(failure())


def test_a_failure_never_shows_the_token(portal: FakePortal) -> None:
    portal.override = lambda request: error(
        400, "InvalidRequestException", f"bad token {ACCESS_TOKEN}\nsecond line"
    )
    message = str(failure())
    assert "InvalidRequestException" in message and "<redacted>" in message
