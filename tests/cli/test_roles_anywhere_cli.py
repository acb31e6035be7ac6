"""``explain``, ``validate`` and ``convert`` for the roles-anywhere base: certificate
details without the key, the key/certificate/expiry checks, and the aws_signing_helper
credential_process recognised and converted to the native base."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from resolver.chain.planner import build_chain
from resolver.cli.cmd_convert import load_files
from resolver.cli.main import main
from tests.conftest import IsolatedEnv
from tests.providers.bases import rolesanywhere_fakes as fakes
from tests.providers.bases.test_roles_anywhere import profile_lines, use_config

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def ca() -> fakes.Authority:
    return fakes.new_ca()


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def no_key_in(text: str, identity: fakes.Identity) -> None:
    for line in identity.key_pem.decode().splitlines()[1:-1]:
        assert line not in text


def test_explain_shows_the_certificate_never_the_key(
    capsys: pytest.CaptureFixture[str],
    isolated_env: IsolatedEnv,
    tmp_path: Path,
    ca: fakes.Authority,
) -> None:
    identity = fakes.write_identity(tmp_path / "pki", ca, fakes.ec_key(), passphrase="pw-123456")
    use_config(isolated_env, profile_lines(identity))
    status, out, err = run(capsys, "explain", "ra")
    assert status == 0, err
    assert "base  roles-anywhere (profile ra)" in out
    cert_line = next(line for line in out.splitlines() if line.startswith("  cert  "))
    assert "subject CN=workload.example.com,O=rolechain tests" in cert_line
    assert "issuer CN=Test Root CA,O=rolechain tests" in cert_line
    assert f"serial {identity.serial}" in cert_line and "not after 20" in cert_line
    no_key_in(out + err, identity)
    assert "pw-123456" not in out + err
    status, out, _ = run(capsys, "explain", "ra", "--json")
    source = json.loads(out)["source"]
    assert source["kind"] == "roles-anywhere"
    assert source["certificate_details"]["serial"] == str(identity.serial)
    assert source["certificate_details"]["key_type"] == "EC"
    no_key_in(out, identity)


def test_validate_checks_expiry_and_that_the_key_is_the_certificates(
    capsys: pytest.CaptureFixture[str],
    isolated_env: IsolatedEnv,
    tmp_path: Path,
    ca: fakes.Authority,
) -> None:
    good = fakes.write_identity(tmp_path / "good", ca, fakes.rsa_key())
    use_config(isolated_env, profile_lines(good))
    status, out, err = run(capsys, "validate")
    assert (status, out) == (0, ""), out
    expired = fakes.write_identity(
        tmp_path / "expired", ca, fakes.ec_key(), not_after=fakes.NOW - timedelta(days=1)
    )
    other = fakes.write_identity(tmp_path / "other", ca, fakes.ec_key())
    mixed = fakes.Identity(expired.certificate, other.private_key, None, other.key_pem)
    use_config(isolated_env, profile_lines(mixed))
    status, out, err = run(capsys, "validate")
    assert status == 1
    config = isolated_env.aws_config_file
    assert f"{config}:3: profile ra: the certificate expired at" in out
    assert (f"{config}:4: profile ra: the private key does not belong to the certificate") in out
    no_key_in(out + err, other)


def test_the_signing_helper_process_is_noted_and_converted(
    capsys: pytest.CaptureFixture[str],
    isolated_env: IsolatedEnv,
    tmp_path: Path,
    ca: fakes.Authority,
) -> None:
    identity = fakes.write_identity(tmp_path / "pki", ca, fakes.ec_key())
    command = (
        f"/usr/local/bin/aws_signing_helper credential-process --certificate {identity.certificate}"
        f" --private-key {identity.private_key} --trust-anchor-arn {fakes.TRUST_ANCHOR}"
        f" --profile-arn {fakes.PROFILE} --role-arn {fakes.ROLE} --session-duration 7200"
    )
    lines = [
        "[profile helper]",
        f"credential_process = {command}",
        "region = eu-west-1",
        "[profile deploy]",
        "role_arn = arn:aws:iam::123456789012:role/deploy",
        "source_profile = helper",
    ]
    use_config(isolated_env, lines)
    status, out, _ = run(capsys, "explain", "deploy")
    assert status == 0 and "base  credential-process" in out
    assert "aws_signing_helper: `rolechain convert --to toml helper`" in out
    assert str(identity.private_key) not in out  # the command's arguments are not shown
    status, out, err = run(capsys, "convert", "--to", "toml", "helper", "deploy")
    assert status == 0
    assert "written as the native roles-anywhere base: helper" in err
    assert "credential_process" not in out and "[profiles.helper.roles_anywhere]" in out
    converted = tmp_path / "converted.toml"
    converted.write_text(out)
    chain = build_chain(load_files([str(converted)], os.environ), "deploy")
    assert chain.source.to_json() == {
        "kind": "roles-anywhere",
        "profile": "helper",
        "role_arn": fakes.ROLE,
        "certificate": str(identity.certificate),
        "private_key": str(identity.private_key),
        "certificate_chain": None,
        "trust_anchor_arn": fakes.TRUST_ANCHOR,
        "profile_arn": fakes.PROFILE,
        "session_duration": 7200,
    }
    assert [hop.profile for hop in chain.hops] == ["deploy"]


@pytest.mark.parametrize(
    "command",
    [
        "aws_signing_helper credential-process --certificate c --private-key k "
        "--trust-anchor-arn t --profile-arn p",  # no --role-arn
        "aws_signing_helper credential-process --certificate c --private-key k "
        "--trust-anchor-arn t --profile-arn p --role-arn r --pkcs11-pin 1234",
        "aws_signing_helper update --certificate c --private-key k "
        "--trust-anchor-arn t --profile-arn p --role-arn r",
        "other_helper credential-process --certificate c",
    ],
)
def test_other_commands_are_not_converted(command: str) -> None:
    from resolver.config.signing_helper import native_keys

    assert native_keys(command) is None


def test_planning_and_explaining_other_bases_import_no_cryptography(
    isolated_env: IsolatedEnv, tmp_path: Path, ca: fakes.Authority
) -> None:
    identity = fakes.write_identity(tmp_path / "pki", ca, fakes.ec_key())
    use_config(
        isolated_env,
        [
            *profile_lines(identity),
            "[profile keys]",
            "aws_access_key_id = AKIDEXAMPLE",
            "aws_secret_access_key = secret-123",
        ],
    )
    probe = (
        "import sys\n"
        "from resolver.api import plan\n"
        "plan('ra')\n"
        "from resolver.cli.main import main\n"
        "main(['explain', 'keys'])\n"
        "print('cryptography' in sys.modules)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    found = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=True
    )
    assert found.stdout.strip().splitlines()[-1] == "False"


def doc_blocks(language: str) -> list[str]:
    text = (ROOT / "docs" / "bases" / "roles-anywhere.md").read_text(encoding="utf-8")
    return re.findall(rf"```{language}\n(.*?)```", text, re.S)


def test_the_documented_forms_plan_alike_and_the_toml_meets_the_schema(tmp_path: Path) -> None:
    import jsonschema

    from resolver.config.sources.tomlfile import _tomllib

    tomllib = _tomllib()

    [ini], [toml] = doc_blocks("ini"), doc_blocks("toml")
    schema = json.loads((ROOT / "schemas" / "rolechain.schema.json").read_text())
    jsonschema.validate(tomllib.loads(toml), schema)
    (tmp_path / "config").write_text(ini)
    (tmp_path / "profiles.toml").write_text(toml)
    plans = [
        build_chain(load_files([str(tmp_path / name)], os.environ), "deploy").to_json()
        for name in ("config", "profiles.toml")
    ]
    assert plans[0] == plans[1]
    assert plans[0]["source"]["kind"] == "roles-anywhere"
    assert plans[0]["source"]["session_duration"] == 3600
    flat = {"version": 1, "profiles": {"p": {"roles_anywhere_certificate": "/c.pem"}}}
    with pytest.raises(jsonschema.ValidationError):  # TOML writes the table, not INI keys
        jsonschema.validate(flat, schema)
