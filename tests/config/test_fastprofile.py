"""The pydantic-free fast path for INI profiles agrees with the model, and its table is
generated from the model (a stale table fails here, as a stale JSON schema does)."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError, field_validator, model_validator

from resolver.config import fastgen
from resolver.config.fastprofile import FastProfile, fast_profile
from resolver.config.model import Profile
from resolver.config.profile_table import FIELDS, PROFILE_KEYS, TOML_ONLY_KEYS

INI_KEYS = sorted(PROFILE_KEYS - TOML_ONLY_KEYS)
SPACE = st.sampled_from(["", " ", "  ", "\t"])
WORD = st.text(alphabet="abcXYZ019=,:/-_ *{}\"'", max_size=12)


@st.composite
def ini_value(draw: st.DrawFn, key: str) -> str:
    """A value as an INI file could give it: often well-formed for the key, often not."""
    kind, choices = FIELDS[key]
    options = [WORD]
    if kind == "choice":
        options.append(st.sampled_from([*choices, choices[0].lower(), "other"]))
    if kind == "duration":
        options.append(st.sampled_from(["3600", "1h", "15m", "1h30m", "0", "-5", "1x", "90s"]))
        options.append(st.integers(min_value=0, max_value=10**6).map(str))
    if kind in ("tags", "list"):
        item = st.tuples(WORD, st.sampled_from(["=", ""]), WORD).map("".join)
        options.append(st.lists(item, max_size=4).map(",".join))
    if kind == "region":
        options.append(st.sampled_from(["us-east-1", "eu-west-1", "-bad", "a_b", "x" * 70]))
    if kind == "endpoint":
        options.append(
            st.sampled_from(["http://127.0.0.1:5000", "https://sts.example", "ftp://x", "http://"])
        )
    if key == "policy":
        options.append(st.sampled_from(['{"Version":"2012-10-17"}', "{", " [] "]))
    value = draw(st.one_of(options))
    return draw(SPACE) + value + draw(SPACE)


@st.composite
def ini_profile(draw: st.DrawFn) -> dict[str, str]:
    keys = draw(st.lists(st.sampled_from(INI_KEYS), unique=True, max_size=8))
    return {key: draw(ini_value(key)) for key in keys}


def _policy_json(profile: Any) -> Any:
    try:
        return profile.policy_json
    except ValueError as exc:
        return type(exc)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ini_profile())
def test_the_fast_path_accepts_only_what_the_model_accepts_and_gives_its_output(
    data: dict[str, str],
) -> None:
    fast = fast_profile(data, "ini")
    try:
        model = Profile.model_validate(data, context={"format": "ini"})
    except ValidationError:
        assert fast is None  # rejected values go to pydantic, which words the error
        return
    if fast is None:
        return  # deferred: pydantic validates it (slower, same result by construction)
    assert fast.model_dump() == model.model_dump()
    assert fast.model_dump(exclude_defaults=True) == model.model_dump(exclude_defaults=True)
    for key in FIELDS:
        assert getattr(fast, key) == getattr(model, key), key
    assert _policy_json(fast) == _policy_json(model)
    assert repr(fast).removeprefix("FastProfile") == repr(model).removeprefix("Profile")


def test_typical_profiles_take_the_fast_path() -> None:
    for data in (
        {"aws_access_key_id": "AKID", "aws_secret_access_key": "s", "region": "us-east-1"},
        {"source_profile": "a", "role_arn": "arn:aws:iam::123456789012:role/r"},
        {"role_arn": "r", "credential_source": "Environment", "duration_seconds": "1h"},
        {"role_arn": "r", "source_profile": "a", "session_tags": "a=b, c=d"},
        {"sso_session": "corp", "sso_account_id": "1", "sso_role_name": "R"},
    ):
        assert isinstance(fast_profile(data, "ini"), FastProfile), data


def test_toml_and_unknown_or_deferred_keys_go_to_pydantic() -> None:
    assert fast_profile({"region": "x"}, "toml") is None
    assert fast_profile({"no_such_key": "x"}, "ini") is None
    assert fast_profile({"duration_seconds": "soon"}, "ini") is None
    deferred = [key for key, (kind, _) in FIELDS.items() if kind == "defer"]
    for key in deferred:
        assert fast_profile({key: "x"}, "ini") is None


def test_a_fast_profile_is_read_only_and_hides_values_in_its_repr() -> None:
    profile = fast_profile({"aws_secret_access_key": "SECRET-VALUE", "region": "r-1"}, "ini")
    assert profile is not None and "SECRET-VALUE" not in repr(profile)
    assert "region='r-1'" in repr(profile)
    try:
        profile.region = "x"  # type: ignore[misc]
    except AttributeError:
        pass
    else:  # pragma: no cover
        raise AssertionError("a FastProfile accepted an assignment")


def test_the_committed_table_is_generated_from_the_model() -> None:
    assert fastgen.TABLE.read_text() == fastgen.render(), (
        "resolver/config/profile_table.py is stale: run python -m resolver.config.fastgen"
    )


def test_rules_the_generator_does_not_know_are_deferred_not_guessed() -> None:
    class Stricter(Profile):
        @field_validator("region")
        @classmethod
        def _region(cls, value: str | None) -> str | None:
            return value

    class Overridden(Profile):  # a validator of a known name, not the model's own
        @field_validator("endpoint_url")
        @classmethod
        def _endpoint(cls, value: str | None) -> str | None:
            return value

    assert fastgen.field_kinds(Stricter)["region"] == ("defer", ())
    assert fastgen.field_kinds(Stricter)["role_arn"] == ("str", ())
    assert fastgen.field_kinds(Overridden)["endpoint_url"] == ("defer", ())
    assert fastgen.field_kinds(Profile)["endpoint_url"] == ("endpoint", ())

    class Checked(Profile):
        @model_validator(mode="after")
        def _whole(self) -> Checked:
            return self

    assert fastgen._fast_allowed(Profile) and not fastgen._fast_allowed(Checked)


def test_planning_an_ini_chain_imports_no_pydantic_nor_tomllib_for_an_empty_toml(
    tmp_path: Any,
) -> None:
    config = tmp_path / "config"
    config.write_text(
        "[profile base]\naws_access_key_id = AKID\naws_secret_access_key = s\n"
        "[profile r]\nsource_profile = base\nrole_arn = arn:aws:iam::123456789012:role/r\n"
        "duration_seconds = 1h\nsession_tags = team=a\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ROLECHAIN_"))}
    (tmp_path / "empty.toml").write_text("\n  \n")
    env.update(AWS_CONFIG_FILE=str(config), ROLECHAIN_CONFIG=str(tmp_path / "empty.toml"))
    env["HOME"] = str(tmp_path)
    code = (
        "import sys; from resolver.cli.main import main; status = main(['explain', 'r']); "
        "print(status, *(m in sys.modules for m in ('pydantic', 'botocore', 'tomllib')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.splitlines()[-1] == "0 False False False"
