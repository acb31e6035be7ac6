"""Region names: rolechain accepts exactly what botocore's client accepts, so a region from
the environment or a profile is refused with one line, never an escaping botocore error."""

from __future__ import annotations

import pytest
from botocore.exceptions import InvalidRegionError
from botocore.utils import validate_region_name
from hypothesis import given
from hypothesis import strategies as st

from resolver import cli
from resolver.config.values import region_problem
from tests.conftest import IsolatedEnv
from tests.hostile import fuzz_settings, hostile_text

region_like = st.text(alphabet="abcdefghijklmnopqrstuvwxyzAZ0123456789-", max_size=70)


@fuzz_settings()
@given(st.one_of(region_like, hostile_text, st.sampled_from(["0", "123", "us-east-1", "-a"])))
def test_every_region_rolechain_accepts_botocore_accepts(value: str) -> None:
    if region_problem(value) is None:
        validate_region_name(value)  # raises InvalidRegionError for what botocore refuses


def test_a_region_of_digits_alone_is_refused() -> None:
    """The error-path fuzz found ``AWS_REGION=0`` escaping as botocore's InvalidRegionError."""
    for value in ("0", "123456"):
        assert region_problem(value) is not None
        try:
            validate_region_name(value)
        except InvalidRegionError:
            pass
        else:  # pragma: no cover - botocore changed its rule: so must we
            raise AssertionError(value)


def test_a_digits_region_in_the_environment_is_one_line_from_the_cli(
    isolated_env: IsolatedEnv, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    isolated_env.rolechain_config.write_text(
        '[profiles.base]\naws_access_key_id = "AKIAEXAMPLE000000001"\n'
        'aws_secret_access_key = "secret-value-000000000000000000000000000"\n'
        '[profiles.role]\nsource_profile = "base"\n'
        'role_arn = "arn:aws:iam::123456789012:role/r"\n'
    )
    monkeypatch.setenv("AWS_REGION", "0")
    status = cli.run(["--no-cache", "export", "role"])
    err = capsys.readouterr().err
    assert status != 0 and "internal error" not in err
    assert err.count("\n") == 1 and "invalid region '0'" in err
