"""The plan-side CLI: profiles, explain, validate, convert, schema, and error exits."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from resolver.chain.planner import build_chain
from resolver.cli.main import main
from resolver.config.loading import load_profiles

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "profiles"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.fixture
def org_ini(monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("AWS_CONFIG_FILE", str(EXAMPLES / "org.ini"))
    return EXAMPLES / "org.ini"


def test_explain_json_has_the_fixed_shape(
    capsys: pytest.CaptureFixture[str], org_ini: Path
) -> None:
    status, out, _ = run_cli(capsys, "explain", "prod-admin", "--json")
    assert status == 0
    plan = json.loads(out)
    assert plan["profile"] == "prod-admin"
    assert plan["source"] == {
        "kind": "static",
        "profile": "alice",
        "access_key_id": "AKIAIOSFODNN7EXAMPLE",
        "mfa_serial": "arn:aws:iam::111111111111:mfa/alice",
        "mfa_duration_seconds": 43200,
        "mfa_process": None,
    }
    ops, admin = plan["hops"]
    assert set(ops) == {
        "profile", "role_arn", "role_session_name", "external_id", "mfa_serial",
        "duration_seconds", "tags", "transitive_tag_keys", "source_identity", "policy",
        "policy_arns", "mfa_process",
    }  # fmt: skip
    assert ops["tags"] == {"team": "platform", "project": "atlas", "cost-center": "4242"}
    assert ops["transitive_tag_keys"] == ["team", "project"]
    assert ops["source_identity"] == "alice" and ops["external_id"] is None
    assert admin["external_id"] == "atlas-prod-7f3c" and admin["tags"] == {}
    assert SECRET not in out


def test_explain_human_form_shows_every_hop(
    capsys: pytest.CaptureFixture[str], org_ini: Path
) -> None:
    status, out, _ = run_cli(capsys, "explain", "prod-admin")
    assert status == 0
    assert out.index("static") < out.index("role/ops") < out.index("role/prod-admin")
    for fragment in ("team=platform", "transitive: team, project", "atlas-prod-7f3c", "alice"):
        assert fragment in out
    assert SECRET not in out


def test_profile_selection_uses_aws_profile(
    capsys: pytest.CaptureFixture[str], org_ini: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_PROFILE", "ops")
    _, out, _ = run_cli(capsys, "explain", "--json")
    assert json.loads(out)["profile"] == "ops"


def test_config_errors_exit_2_with_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config"
    config.write_text("[profile a]\nrole_arn = arn:aws:iam::111111111111:role/a\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    status, out, err = run_cli(capsys, "explain", "a")
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"{config}:2: profile a" in err
    status, out, err = run_cli(capsys, "--debug", "explain", "a")  # the scrubbed traceback
    assert status == 2 and out == ""
    assert "Traceback" in err and err.endswith(
        f"rolechain: error: {config}:2: profile a: "
        "role_arn needs source_profile or credential_source\n"
    )


def test_unknown_profile_suggests(capsys: pytest.CaptureFixture[str], org_ini: Path) -> None:
    status, _, err = run_cli(capsys, "explain", "prod-admn")
    assert status == 2 and "did you mean prod-admin?" in err


def test_validate_examples_pass(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for ini in EXAMPLES.glob("*.ini"):
        monkeypatch.setenv("AWS_CONFIG_FILE", str(ini))
        status, out, err = run_cli(capsys, "validate")
        assert status == 0, out + err
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/config")
    for toml in EXAMPLES.glob("*.toml"):
        status, out, err = run_cli(capsys, "--config", str(toml), "validate")
        assert status == 0, out + err


def test_validate_reports_file_line_profile(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config"
    config.write_text(
        "[profile base]\naws_access_key_id = AKID\naws_secret_access_key = s3cr3t\n"
        "[profile a]\nsource_profile = base\nrole_arn = arn:aws:iam::111111111111:role/a\n"
        "role_session_name = x\nrolearn = typo\n"
        "[profile b]\nsource_profile = a\nrole_arn = arn:aws:iam::111111111111:role/b\n"
        "duration_seconds = 7200\n"
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    status, out, _ = run_cli(capsys, "validate")
    assert status == 1
    lines = out.splitlines()
    assert f"{config}:7: profile a: role_session_name must be 2-64 characters" in out
    assert any(
        line.startswith(f"{config}:8: warning: profile a: rolearn: unknown key") for line in lines
    )
    assert "did you mean role_arn?" in out
    assert f"{config}:12: profile b: duration_seconds 7200" in out
    assert sum("role_session_name" in line for line in lines) == 1  # reported once
    assert "s3cr3t" not in out
    status, out, _ = run_cli(capsys, "validate", "base")
    assert status == 0 and "role_session_name" not in out


def test_profiles_lists_kind_and_file(capsys: pytest.CaptureFixture[str], org_ini: Path) -> None:
    _, out, _ = run_cli(capsys, "profiles", "--json")
    rows = {row["name"]: row for row in json.loads(out)}
    assert rows["alice"]["kind"] == "static" and rows["ops"]["kind"] == "role"
    assert rows["ops"]["file"] == str(org_ini)


def test_profiles_raw_redacts_secrets(capsys: pytest.CaptureFixture[str], org_ini: Path) -> None:
    _, out, _ = run_cli(capsys, "profiles", "--json", "--raw")
    raw = {row["name"]: row["properties"] for row in json.loads(out)}
    assert raw["alice"]["aws_secret_access_key"] == "<redacted>"
    assert raw["alice"]["aws_access_key_id"] == "AKIAIOSFODNN7EXAMPLE"
    assert raw["ops"]["session_tags"] == {
        "team": "platform",
        "project": "atlas",
        "cost-center": "4242",
    }
    assert SECRET not in out


@pytest.mark.parametrize("example", sorted(p.name for p in EXAMPLES.glob("*.ini")))
def test_convert_round_trip_keeps_every_plan(
    example: str,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_CONFIG_FILE", str(EXAMPLES / example))
    original = load_profiles(None, os.environ)
    plans = {name: _plan_or_error(original, name) for name in original.names()}
    _, toml_text, _ = run_cli(capsys, "convert", "--to", "toml", "--include-secrets")
    toml_file = tmp_path / "converted.toml"
    toml_file.write_text(toml_text)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    from_toml = load_profiles(str(toml_file), os.environ)
    assert {name: _plan_or_error(from_toml, name) for name in from_toml.names()} == plans
    _, ini_text, _ = run_cli(capsys, "convert", "--to", "ini", "--include-secrets", str(toml_file))
    (tmp_path / "config").write_text(ini_text)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    back = load_profiles(None, os.environ)  # ROLECHAIN_CONFIG is the isolated, empty file
    assert {name: _plan_or_error(back, name) for name in back.names()} == plans


def _plan_or_error(profiles: object, name: str) -> object:
    try:
        return build_chain(profiles, name)  # type: ignore[arg-type]
    except Exception as exc:  # a profile that fails must fail the same way
        return type(exc).__name__


def test_committed_schema_is_current(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run_cli(capsys, "schema")
    committed = (ROOT / "schemas" / "rolechain.schema.json").read_text()
    assert out == committed, (
        "schemas/ is stale: run `rolechain schema > schemas/rolechain.schema.json`"
    )


@pytest.mark.parametrize("example", sorted(p.name for p in EXAMPLES.glob("*.toml")))
def test_toml_examples_match_the_schema(example: str) -> None:
    import jsonschema

    from resolver.config.sources.tomlfile import _tomllib

    tomllib = _tomllib()
    schema = json.loads((ROOT / "schemas" / "rolechain.schema.json").read_text())
    document = tomllib.loads((EXAMPLES / example).read_text())
    jsonschema.validate(document, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**document, "profiles": {"x": {"rolearn": "typo"}}}, schema)


def test_plan_path_imports_no_boto(org_ini: Path) -> None:
    code = (
        "import sys\nfrom resolver.cli.main import main\n"
        "assert main(['explain', 'prod-admin']) == 0\nassert main(['validate']) == 0\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore'))\n"
        "print('LOADED', loaded)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert "LOADED []" in result.stdout


def test_same_profile_in_both_formats_is_an_error(
    capsys: pytest.CaptureFixture[str], org_ini: Path
) -> None:
    status, _, err = run_cli(capsys, "--config", str(EXAMPLES / "org.toml"), "explain", "ops")
    assert status == 2 and "defined in both" in err and "org.ini" in err and "org.toml" in err


def test_unknown_toml_key_is_an_error_with_a_suggestion(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    config = tmp_path / "profiles.toml"
    config.write_text('[profiles.prod]\nrolearn = "arn:aws:iam::111111111111:role/x"\n')
    status, _, err = run_cli(capsys, "--config", str(config), "explain", "prod")
    assert status == 2
    assert f"{config}:2: profile prod: rolearn: unknown key; did you mean role_arn?" in err


MFA_SESSION_CHAIN = """\
[profile alice]
aws_access_key_id = AKIAIOSFODNN7EXAMPLE
aws_secret_access_key = {secret}
mfa_serial = arn:aws:iam::111111111111:mfa/alice

[profile long]
role_arn = arn:aws:iam::222222222222:role/long
source_profile = alice
duration_seconds = 8h
"""


def test_a_long_duration_chained_only_by_an_mfa_session_gets_advice_that_works(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config"
    config.write_text(MFA_SESSION_CHAIN.format(secret=SECRET))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    for command in ("explain", "validate"):
        status, out, err = run_cli(capsys, command, "long")
        assert status != 0, command
        text = out + err
        assert "chained only because profile alice opens an MFA session" in text, command
        assert "set mfa_serial = arn:aws:iam::111111111111:mfa/alice on profile long" in text
    # Following the advice: the role takes the code itself and 8h is fine.
    advised = (
        MFA_SESSION_CHAIN.format(secret=SECRET).replace(
            "mfa_serial = arn:aws:iam::111111111111:mfa/alice\n", ""
        )
        + "mfa_serial = arn:aws:iam::111111111111:mfa/alice\n"
    )
    config.write_text(advised)
    status, out, _ = run_cli(capsys, "explain", "long")
    assert status == 0 and "duration: 8h" in out and "chained" not in out


@pytest.mark.parametrize(
    "base",
    [
        ["saml_process = idp-saml --password hunter2-secret",
         "principal_arn = arn:aws:iam::111111111111:saml-provider/okta"],
        ["web_identity_token_file = /var/run/token"],
    ],
    ids=["saml", "web-identity"],
)  # fmt: skip
def test_explain_shows_a_role_base_s_session_options(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    base: list[str],
) -> None:
    config = tmp_path / "config"
    lines = [
        "[profile base]",
        "role_arn = arn:aws:iam::111111111111:role/base",
        *base,
        "duration_seconds = 2h",
        "policy_arns = arn:aws:iam::aws:policy/ReadOnlyAccess,arn:aws:iam::aws:policy/Billing",
    ]
    config.write_text("\n".join(lines) + "\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    status, out, _ = run_cli(capsys, "explain", "base")
    assert status == 0
    base_line = next(line for line in out.splitlines() if line.lstrip().startswith("base"))
    assert "duration 2h" in base_line
    assert "arn:aws:iam::aws:policy/ReadOnlyAccess arn:aws:iam::aws:policy/Billing" in base_line
    assert "hunter2" not in out and "[" not in base_line
    status, out, _ = run_cli(capsys, "explain", "base", "--json")
    source = json.loads(out)["source"]
    assert source["duration_seconds"] == 7200
    assert source["policy_arns"] == [
        "arn:aws:iam::aws:policy/ReadOnlyAccess",
        "arn:aws:iam::aws:policy/Billing",
    ]
    assert "hunter2" not in out
