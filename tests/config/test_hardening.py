"""Hostile and odd configuration: bounded reads, nesting and extends limits, value checks,
names, secret redaction. Each gives a one-line ConfigError naming file and line."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from resolver.chain.limits import check_chain
from resolver.chain.planner import build_chain
from resolver.chain.types import StsSettings
from resolver.config.loading import load_profiles
from resolver.config.secrets import SECRET_KEYS
from resolver.config.sources import tomlfile
from resolver.config.sources.files import MAX_FILE_BYTES, read_text
from resolver.config.sources.tomlfile import MAX_EXTENDS_DEPTH, parse_toml
from resolver.config.values import MAX_NESTING_DEPTH
from resolver.errors import ConfigError, printable
from resolver.providers.sts.factory import sts_target
from tests.plan_support import KEYS, profile_set

ROLE = "arn:aws:iam::123456789012:role/r"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


# --- reading files -------------------------------------------------------------------


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "config"
    os.mkfifo(fifo)  # nobody writes: a blocking open would hang the test
    with pytest.raises(ConfigError, match="not a regular file") as caught:
        read_text(fifo)
    assert caught.value.file == str(fifo)


def test_a_device_is_refused() -> None:
    with pytest.raises(ConfigError, match="not a regular file"):
        read_text(Path("/dev/zero"))


def test_a_file_over_the_size_limit_is_refused(tmp_path: Path) -> None:
    big = tmp_path / "config"
    with big.open("wb") as out:  # sparse: costs no disk
        out.truncate(MAX_FILE_BYTES + 1)
    with pytest.raises(ConfigError, match=f"larger than {MAX_FILE_BYTES} bytes"):
        read_text(big)
    assert MAX_FILE_BYTES == 16 * 1024 * 1024
    at_limit = tmp_path / "ok"
    at_limit.write_text("[profile a]\n")
    assert read_text(at_limit, limit=len("[profile a]\n")) == "[profile a]\n"


@pytest.mark.parametrize("variable", ["AWS_CONFIG_FILE", "ROLECHAIN_CONFIG"])
def test_cli_names_the_unreadable_file_in_one_line(
    variable: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from resolver.cli.main import main

    monkeypatch.setenv(variable, "/dev/zero")
    assert main(["explain", "a"]) == 2
    err = capsys.readouterr().err
    assert err == "rolechain: error: /dev/zero: not a regular file; refusing to read it\n"


# --- nesting and extends ---------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "[profiles.p]\npolicy_arns = " + "[" * 5000 + "]" * 5000,
        "[profiles.p]\npolicy = " + "{a=" * 5000 + "1" + "}" * 5000,
        "[profiles.p]\n" + "x." * 5000 + "y = 1",
        "[profiles.p." + ".".join(["a"] * 5000) + "]\nb = 1",
    ],
    ids=["arrays", "inline tables", "dotted keys", "table header"],
)
def test_deep_toml_nesting_is_a_config_error(text: str) -> None:
    with pytest.raises(ConfigError, match=f"deeper than {MAX_NESTING_DEPTH} levels") as caught:
        parse_toml(text, path="p.toml")
    assert caught.value.file == "p.toml"
    assert caught.value.line in (1, 2)


@pytest.mark.parametrize(
    "text", ["[profiles.p]\n" + "x." * 1200 + "y = 1", "[a" + ".a" * 1200 + "]"]
)
def test_deep_keys_are_refused_before_the_parser_sees_them(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """tomli (Python 3.10's parser) refuses a key of 1,000 parts with a RecursionError of
    its own: the scan refuses deep keys first, whatever the parser would do with them."""

    class Tomli:
        TOMLDecodeError = ValueError

        @staticmethod
        def loads(text: str) -> dict[str, object]:
            raise RecursionError("TOML key has more than the allowed 1000 parts")

    monkeypatch.setattr(tomlfile, "_tomllib", lambda: Tomli)
    with pytest.raises(ConfigError, match=f"deeper than {MAX_NESTING_DEPTH} levels"):
        parse_toml(text, path="p.toml")


def test_nesting_within_the_limit_parses() -> None:
    depth = MAX_NESTING_DEPTH - 1
    parsed = parse_toml("[profiles.p]\nx = " + "[" * depth + "]" * depth, path="p.toml")
    assert "x" in parsed.profiles["p"].values


def test_deep_extends_is_a_config_error() -> None:
    lines = ["[profiles.p]", 'extends = "t0"']
    for index in range(500):
        lines.append(f"[templates.t{index}]")
        lines.append(f'extends = "t{index + 1}"' if index < 499 else 'region = "us-east-1"')
    with pytest.raises(ConfigError, match=f"more than {MAX_EXTENDS_DEPTH} templates deep"):
        parse_toml("\n".join(lines), path="p.toml")


def test_extends_within_the_limit_inherits() -> None:
    lines = ["[profiles.p]", 'extends = "t0"']
    for index in range(MAX_EXTENDS_DEPTH):
        lines.append(f"[templates.t{index}]")
        last = index == MAX_EXTENDS_DEPTH - 1
        lines.append('region = "eu-west-1"' if last else f'extends = "t{index + 1}"')
    parsed = parse_toml("\n".join(lines), path="p.toml")
    assert parsed.profiles["p"].values["region"].value == "eu-west-1"


def test_ini_policy_of_deep_brackets_is_a_finding_not_a_recursion_error() -> None:
    policy = "[" * 1000 + "]" * 1000
    chain = build_chain(
        profile_set({"base": KEYS, "a": {"role_arn": ROLE, "source_profile": "base",
                                         "policy": policy}}), "a"
    )  # fmt: skip
    (finding,) = check_chain(chain)
    assert finding.key == "policy"
    assert f"nests deeper than {MAX_NESTING_DEPTH} levels" in finding.message


# --- values ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value", "fragment"),
    [
        ("region", "us east 1", "invalid region 'us east 1'"),
        ("sso_region", "eu_west$1", "invalid region"),
        ("endpoint_url", "not a url", "invalid endpoint URL 'not a url'"),
        ("endpoint_url", "http://[::1", "Invalid IPv6 URL"),
        ("endpoint_url", "http://127.0.0.1:99999", "Port out of range"),
        ("endpoint_url", "ftp://example.com", "expected http:// or https://"),
    ],
)
def test_bad_region_or_endpoint_names_file_line_profile_key(
    key: str, value: str, fragment: str
) -> None:
    profiles = profile_set({"p": {**KEYS, key: value}})
    with pytest.raises(ConfigError) as caught:
        build_chain(profiles, "p")
    error = caught.value
    assert (error.file, error.line, error.profile, error.key) == ("config", 4, "p", key)
    assert fragment in str(error)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("AWS_ENDPOINT_URL_STS", "not a url"),
        ("AWS_ENDPOINT_URL_STS", "http://[::1"),
        ("AWS_ENDPOINT_URL", "http://localhost:99999"),
        ("AWS_REGION", "us east 1"),
        ("AWS_DEFAULT_REGION", "us\neast"),
    ],
)
def test_bad_endpoint_or_region_variable_is_a_config_error(variable: str, value: str) -> None:
    with pytest.raises(ConfigError) as caught:
        sts_target(StsSettings(region="eu-west-1"), {variable: value})
    assert caught.value.key == variable
    assert str(caught.value).startswith(f"{variable} (environment variable): invalid")
    assert "\n" not in str(caught.value)


def test_services_sts_endpoint_is_checked() -> None:
    profiles = profile_set(
        {"p": {**KEYS, "services": "s"}}, services={"s": {"sts": {"endpoint_url": "x y"}}}
    )
    with pytest.raises(ConfigError, match="invalid endpoint URL 'x y'") as caught:
        build_chain(profiles, "p")
    assert (caught.value.profile, caught.value.key) == ("p", "services")


# --- names ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["a\\nb", "x\\u001b[31m", "a]b", "[x", "tab\\there", " "])
@pytest.mark.parametrize("kind", ["profiles", "templates", "sso_sessions", "services"])
def test_toml_names_the_ini_files_could_not_hold_are_refused(kind: str, name: str) -> None:
    text = f'[{kind}."{name}"]\nregion = "us-east-1"\n'
    with pytest.raises(ConfigError, match="names may not be empty or contain") as caught:
        parse_toml(text, path="p.toml")
    message = str(caught.value)
    assert caught.value.line == 1
    assert message.isprintable(), message  # the name is shown escaped


def test_printable_escapes_every_control_character() -> None:
    assert printable("a\nb\x1b[31m\x07") == "a\\nb\\x1b[31m\\x07"
    assert printable("plain é") == "plain é"


# --- secrets -------------------------------------------------------------------------------

# botocore's shared-file providers read these as secrets (checked against botocore below),
# and rolechain adds the inline OIDC token.
BOTOCORE_SECRET_NAMES = {"aws_secret_access_key", "aws_session_token", "aws_security_token"}
OUR_SECRET_NAMES = {"web_identity_token"}


def test_secret_key_set_matches_botocore_and_ours() -> None:
    from botocore.credentials import ConfigProvider, SharedCredentialProvider

    for provider in (SharedCredentialProvider, ConfigProvider):
        assert {provider.SECRET_KEY, *provider.TOKENS} <= BOTOCORE_SECRET_NAMES
    assert SECRET_KEYS == BOTOCORE_SECRET_NAMES | OUR_SECRET_NAMES


def test_profiles_raw_redacts_every_secret_key(
    isolated_env: object, capsys: pytest.CaptureFixture[str], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    from resolver.cli.main import main

    config = tmp_path / "config"
    body = "\n".join(f"{key} = {SECRET}-{key}" for key in sorted(SECRET_KEYS))
    config.write_text(f"[profile p]\naws_access_key_id = AKIDEXAMPLE\n{body}\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    assert main(["profiles", "--json", "--raw"]) == 0
    out = capsys.readouterr().out
    assert SECRET not in out
    assert "AKIDEXAMPLE" in out
    assert out.count("<redacted>") == len(SECRET_KEYS)


def test_reprs_of_profiles_and_sections_hide_secrets() -> None:
    profiles = profile_set({"p": {**KEYS, "aws_secret_access_key": SECRET,
                                  "aws_session_token": SECRET + "token"}})  # fmt: skip
    entry = profiles.get("p")
    section = profiles.raw("p")
    assert entry is not None and section is not None
    for shown in (repr(entry), str(entry), repr(entry.data), str(entry.data), repr(section),
                  str(section)):  # fmt: skip
        assert SECRET not in shown
        assert "AKIDBASE" in shown


def test_load_profiles_uses_the_bounded_reader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fifo = tmp_path / "credentials"
    os.mkfifo(fifo)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(fifo))
    with pytest.raises(ConfigError, match="not a regular file"):
        load_profiles(None, os.environ).names()


if sys.platform == "win32":  # pragma: no cover
    pytestmark = pytest.mark.skip("FIFOs and /dev/zero are POSIX")
