"""Issue 22 items 8, 9, 10 and 14: ignored keys, a settings-only profile with no
credentials, AWS_PROFILE naming no profile, credential_process loops through rolechain."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import resolver
from resolver.cli.main import main
from resolver.cli.selfcalls import rolechain_target
from resolver.errors import ChainError, ProviderError
from tests.chain.text_plan import write_files
from tests.hostile import fuzz_settings

ROOT = Path(__file__).resolve().parents[2]
KEYS = ["aws_access_key_id = AKIDBASE", "aws_secret_access_key = base-secret"]
MFA = "mfa_serial = arn:aws:iam::111111111111:mfa/me"


def _validate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ini: list[str]) -> list[str]:
    _, environ = write_files(tmp_path, ini=ini)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    main(["validate"])
    return [line.split(": ", 1)[1] for line in _captured.readouterr().out.splitlines()]


_captured: pytest.CaptureFixture[str]


@pytest.fixture(autouse=True)
def _capture(capsys: pytest.CaptureFixture[str]) -> None:
    global _captured
    _captured = capsys


def test_source_profile_or_mfa_serial_without_role_arn_is_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ini = ["[profile s]", *KEYS, "[profile w]", "region = eu-west-1", "source_profile = s", MFA]
    ini += ["[profile m]", *KEYS, MFA]  # an MFA session: used, no warning
    found = _validate(tmp_path, monkeypatch, ini)
    assert found == [
        "warning: profile w: source_profile is ignored without role_arn: this profile "
        "assumes no role (base: default-chain); add role_arn, or remove source_profile",
        "warning: profile w: mfa_serial is ignored: it needs role_arn (MFA on that hop) or "
        "long-term keys (an MFA session), and this profile has neither (base: default-chain)",
    ]


def test_a_settings_only_profile_without_credentials_names_what_was_tried() -> None:
    """Item 9 (the isolated environment disables instance metadata)."""
    _, environ = write_files(Path(os.environ["HOME"]), ini=["[default]", "region = eu-west-1"])
    with pytest.raises(ProviderError) as caught:
        resolver.resolve("default", environ={**os.environ, **environ})
    text = str(caught.value)
    assert caught.value.reason == "no-credentials" and text.startswith("profile default: ")
    for tried in ("environment keys", "container endpoint", "EC2 instance metadata is disabled"):
        assert tried in text
    assert "give the profile credentials" in text


def test_aws_profile_naming_no_profile_says_so_and_suggests(tmp_path: Path) -> None:
    """Item 10."""
    config, environ = write_files(tmp_path, ini=["[profile production]", *KEYS])
    environ.update(ROLECHAIN_CONFIG=config, AWS_PROFILE="prodution")
    with pytest.raises(ChainError) as caught:
        resolver.resolve(environ=environ)
    assert caught.value.reason == "missing-profile"
    assert str(caught.value) == (
        "AWS_PROFILE names profile 'prodution', which does not exist; did you mean production?"
    )
    with pytest.raises(ChainError) as caught:
        resolver.resolve("prodution", environ={**environ, "AWS_PROFILE": "x"})
    assert str(caught.value) == "unknown profile 'prodution'; did you mean production?"


GLOBAL = st.lists(st.sampled_from(["--debug", "--no-cache", "--config=/c.toml"]), max_size=3)
PROGRAMS = st.sampled_from(
    [["rolechain"], ["/usr/local/bin/rolechain"], ["python3", "-m", "resolver"],
     [sys.executable, "-I", "-m", "resolver"], ["python", "-mresolver"]]
)  # fmt: skip
NAMES = st.from_regex(r"[a-z][a-z0-9_.-]{0,12}", fullmatch=True)


@fuzz_settings(100)
@given(PROGRAMS, GLOBAL, NAMES, st.sampled_from([[], ["--format", "json"], ["--tag=k=v"]]))
def test_a_command_that_runs_rolechain_export_is_read(
    program: list[str], flags: list[str], name: str, after: list[str]
) -> None:
    command = shlex.join([*program, *flags, "export", name, *after])
    config = "/c.toml" if "--config=/c.toml" in flags else None
    assert rolechain_target(command) == (name, config)
    assert rolechain_target(shlex.join([*program, *flags, "explain", name])) is None
    assert rolechain_target(shlex.join(["other", "export", name])) is None


def test_a_credential_process_loop_through_rolechain_is_one_line(tmp_path: Path) -> None:
    """Item 14: found before any process runs; validate flags each command."""
    python = shlex.quote(sys.executable)
    ini = [
        "[profile a]",
        f"credential_process = {python} -m resolver export b",
        "[profile b]",
        f"credential_process = {python} -m resolver --no-cache export --format json a",
        "[profile r]",
        "role_arn = arn:aws:iam::111111111111:role/r",
        "source_profile = p",
        "[profile p]",
        "credential_process = rolechain export r",
    ]
    config, environ = write_files(tmp_path, ini=ini)
    environ.update(ROLECHAIN_CONFIG=config, PYTHONPATH=str(ROOT), PATH=os.environ["PATH"])
    environ["ROLECHAIN_CACHE_DIR"] = str(tmp_path / "cache")
    done = subprocess.run(
        [sys.executable, "-m", "resolver", "export", "a"],
        env=environ, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"rolechain: error: {tmp_path / 'config'}:2: profile a: credential_process loop: "
        "a runs `rolechain export b`, b runs `rolechain export a`"
    ]
    done = subprocess.run(
        [sys.executable, "-m", "resolver", "validate"],
        env=environ, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert [line.split(": ", 1)[1] for line in done.stdout.splitlines()] == [
        "profile a: credential_process loop: a runs `rolechain export b`, "
        "b runs `rolechain export a`",
        "profile b: credential_process loop: b runs `rolechain export a`, "
        "a runs `rolechain export b`",
        "profile p: credential_process loop: p runs `rolechain export r`",  # for p and r
    ]
