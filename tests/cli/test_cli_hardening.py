"""The CLI with hostile or unusual configuration: limits, one-line errors, every finding
in one run, settings-only profiles, and messages that name profiles and hops right."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from resolver.chain.planner import MAX_CHAIN_HOPS, build_chain
from resolver.cli.cmd_validate import findings_for
from resolver.cli.main import main
from resolver.config.loading import load_profiles
from resolver.errors import ChainError, ProviderError

ROLE = "arn:aws:iam::123456789012:role/r{}"
KEYS = "aws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = secret-value\n"


def chain_ini(hops: int) -> str:
    sections = [f"[profile p0]\n{KEYS}"]
    sections += [
        f"[profile p{i}]\nrole_arn = {ROLE.format(i)}\nsource_profile = p{i - 1}\n"
        for i in range(1, hops + 1)
    ]
    return "".join(sections)


@pytest.fixture
def config(isolated_env: object, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    path = tmp_path / "aws-config"
    monkeypatch.setenv("AWS_CONFIG_FILE", str(path))
    return path


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_a_chain_over_the_limit_is_one_line_naming_the_file(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config.write_text(chain_ini(200))
    status, _, err = run_cli(capsys, "export", "p200")
    assert status == 2
    assert err.count("\n") == 1
    assert f"{config}:603: profile p200: source_profile: the chain is longer than" in err
    assert f"{MAX_CHAIN_HOPS} AssumeRole hops" in err


def test_a_chain_at_the_limit_plans(config: Path) -> None:
    config.write_text(chain_ini(MAX_CHAIN_HOPS + 1))
    chain = build_chain(load_profiles(None, os.environ), f"p{MAX_CHAIN_HOPS}")
    assert len(chain.hops) == MAX_CHAIN_HOPS
    with pytest.raises(ChainError, match="longer than"):
        build_chain(load_profiles(None, os.environ), f"p{MAX_CHAIN_HOPS + 1}")


def test_validate_reads_each_profile_a_bounded_number_of_times(config: Path) -> None:
    """validate is linear in the number of profiles: each profile's walk is bounded by
    the chain limit, and each step of a walk is one lookup (no list scans)."""
    depth = 1000
    config.write_text(chain_ini(depth))
    profiles = load_profiles(None, os.environ)
    lookups = 0
    real_get = profiles.get

    def counting_get(name: str):  # type: ignore[no-untyped-def]
        nonlocal lookups
        lookups += 1
        return real_get(name)

    profiles.get = counting_get  # type: ignore[method-assign]
    found = findings_for(profiles, profiles.names())
    assert lookups <= (depth + 1) * (MAX_CHAIN_HOPS + 2)
    too_long = [f for f in found if "longer than" in f.message]
    assert len(too_long) == depth - MAX_CHAIN_HOPS


def test_export_to_a_full_device_is_one_line(config: Path) -> None:
    config.write_text(f"[profile base]\n{KEYS}")
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-m", "resolver", "export", "base"],
            stdout=full, stderr=subprocess.PIPE, text=True, timeout=60, check=False,
        )  # fmt: skip
    assert done.returncode == 1
    assert done.stderr == (
        "rolechain: error: cannot write to standard output: No space left on device\n"
    )


def test_validate_reports_every_finding_of_every_file_sorted(
    config: Path, capsys: pytest.CaptureFixture[str], isolated_env: object, tmp_path: Path
) -> None:
    config.write_text(
        "[profile i1]\nregion = us east 1\nduration_seconds = soon\n[profile i2]\nbad line\n"
    )
    toml = tmp_path / "p.toml"
    toml.write_text(
        'colour = 1\n[profiles.t1]\nregoin = "x"\ncredential_source = "Environment"\n'
        f'role_arn = "{ROLE.format(1)}"\n[profiles.t2]\nregion = "a b"\n'
        'endpoint_url = "not a url"\n[profiles.t3]\nexteranl_id = "x"\n'
    )
    status, out, err = run_cli(capsys, "--config", str(toml), "validate")
    assert status == 1
    lines = out.splitlines()
    places = [(line.split(":")[0], int(line.split(":")[1])) for line in lines]
    assert places == [
        (str(config), 2), (str(config), 3), (str(config), 5),
        (str(toml), 1), (str(toml), 3), (str(toml), 7), (str(toml), 8), (str(toml), 10),
    ]  # fmt: skip
    assert "did you mean region?" in lines[4]
    assert "did you mean external_id?" in lines[7]
    assert err.endswith(": 8 error(s), 0 warning(s)\n")


def test_a_key_is_named_once_and_loops_have_a_line(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config.write_text(
        f"[profile base]\n{KEYS}"
        f"[profile a]\nrole_arn = {ROLE.format(1)}\nsource_profile = base\n"
        f"[profile b]\nrole_arn = {ROLE.format(2)}\nsource_profile = a\nduration_seconds = 7200\n"
        f"[profile l1]\nrole_arn = {ROLE.format(3)}\nsource_profile = l2\n"
        f"[profile l2]\nrole_arn = {ROLE.format(4)}\nsource_profile = l1\n"
    )
    status, _, err = run_cli(capsys, "explain", "b")
    assert status == 2
    assert ": duration_seconds 7200 exceeds" in err
    assert "duration_seconds: duration_seconds" not in err
    status, _, err = run_cli(capsys, "explain", "l1")
    assert (
        err == f"rolechain: error: {config}:16: profile l2: source_profile loop: l1 -> l2 -> l1\n"
    )


def test_settings_only_profile_is_clean_and_uses_the_default_chain(
    config: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    config.write_text("[default]\nregion = eu-west-1\noutput = json\n")
    status, out, _ = run_cli(capsys, "validate")
    assert (status, out) == (0, "")
    status, out, _ = run_cli(capsys, "explain", "default")
    assert status == 0
    assert "default-chain (profile default)" in out
    assert "environment, then ecs-container, then ec2-instance-metadata" in out
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDFROMENVIRONMENT")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "env-secret")
    status, out, _ = run_cli(capsys, "export", "default", "--format", "env")
    assert status == 0
    assert "AWS_ACCESS_KEY_ID=AKIDFROMENVIRONMENT" in out


def test_settings_only_profile_used_as_a_source_is_an_error(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config.write_text(
        f"[default]\nregion = eu-west-1\n[profile a]\nrole_arn = {ROLE.format(1)}\n"
        "source_profile = default\n"
    )
    status, out, _ = run_cli(capsys, "validate")
    assert status == 1
    assert out == (
        f"{config}:1: profile default: aws_access_key_id: profile a uses it as "
        "source_profile, but it has no credentials: set static keys, credential_store, "
        "credential_source, credential_process, sso_session, login_session, role_arn with a "
        "source, or web_identity_token_file\n"
    )


def test_default_chain_order(monkeypatch: pytest.MonkeyPatch) -> None:
    from resolver.providers.bases.container import ContainerProvider
    from resolver.providers.bases.default_chain import DefaultChainProvider
    from resolver.providers.bases.environment import EnvironmentProvider
    from resolver.providers.bases.imds import InstanceMetadataProvider

    both = {
        "AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "s",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1:1/creds",
    }  # fmt: skip
    assert isinstance(DefaultChainProvider(both).chosen(), EnvironmentProvider)
    container = {"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/creds"}
    assert isinstance(DefaultChainProvider(container).chosen(), ContainerProvider)
    assert isinstance(DefaultChainProvider({}).chosen(), InstanceMetadataProvider)
    with pytest.raises(ProviderError, match="disabled"):
        DefaultChainProvider({"AWS_EC2_METADATA_DISABLED": "true"}).retrieve()


# --- messages built from step labels --------------------------------------------------


def test_sso_hint_names_the_profile_not_the_step_label(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config.write_text(
        "[profile dev-sso]\nsso_session = corp\nsso_account_id = 123456789012\n"
        "sso_role_name = Admin\n[sso-session corp]\n"
        "sso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n"
    )
    status, _, err = run_cli(capsys, "export", "dev-sso")
    assert status != 0
    assert "run `rolechain sso login dev-sso` (or `aws sso login --sso-session corp`)" in err
    assert "profile profile" not in err
    assert err.startswith("rolechain: error: profile dev-sso: ")


def test_process_errors_name_the_profile_once(
    config: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    config.write_text(f"[profile p]\ncredential_process = {tmp_path}/missing-program\n")
    status, _, err = run_cli(capsys, "export", "p")
    assert status != 0
    assert err.startswith("rolechain: error: profile p: ")
    assert "profile profile" not in err


def test_expired_credentials_name_the_hop() -> None:
    from resolver.stscreds.cache import CredentialsCache
    from resolver.stscreds.credentials import Credentials

    class Stale:
        name = "AssumeRoleProvider"
        label = "a (arn:aws:iam::123456789012:role/a)"

        def retrieve(self) -> Credentials:
            past = datetime.now(timezone.utc) - timedelta(hours=1)
            return Credentials("ASIAEXAMPLE", "secret", "token", expires=past)

    with pytest.raises(ProviderError) as caught:
        CredentialsCache(Stale()).retrieve()
    assert str(caught.value) == (
        "hop a (arn:aws:iam::123456789012:role/a): AssumeRoleProvider returned "
        "credentials that already expired"
    )


def test_explain_escapes_control_characters_from_values(
    isolated_env: object, capsys: pytest.CaptureFixture[str], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    toml = tmp_path / "p.toml"
    toml.write_text('[profiles.a]\ncredential_process = "x\\u001b[2Jy"\n')
    monkeypatch.setenv("ROLECHAIN_CONFIG", str(toml))
    status, out, err = run_cli(capsys, "explain", "a")
    assert status == 0
    assert "\x1b" not in out + err
    assert "x\\x1b[2Jy" in out + err
