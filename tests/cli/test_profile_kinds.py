"""``profiles`` and ``explain`` speak one vocabulary of kinds (``resolver.chain.kinds``),
and ``profiles --json --raw`` adds properties, shown as ``explain`` shows them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, get_args

import pytest
from hypothesis import given
from hypothesis import strategies as st

from resolver.chain.kinds import NAMED_SOURCES, ROLE, profile_kind
from resolver.chain.planner import build_chain
from resolver.chain.types import Source
from resolver.cli.main import main
from resolver.config.loading import load_profiles
from resolver.config.model import CREDENTIAL_SOURCES
from resolver.errors import ResolverError
from tests.chain.test_cases import CASES
from tests.chain.text_plan import write_files
from tests.hostile import fuzz_settings

KINDS = {source.kind for source in get_args(Source)}


def cli_json(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    assert main(list(argv)) == 0, argv
    return json.loads(capsys.readouterr().out)


def explained_kind(plan: dict[str, Any]) -> str:
    """The kind ``explain --json`` shows for its profile: a hop of its own, or its base."""
    own_hop = plan["hops"] and plan["hops"][-1]["profile"] == plan["profile"]
    return ROLE if own_hop else str(plan["source"]["kind"])


PLANNED = [case for case in CASES if "chain" in case.values[0]]


@pytest.mark.parametrize("case", PLANNED)
def test_profiles_names_each_profile_as_explain_does(
    case: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    files = {key: case[key] for key in ("ini", "credentials", "toml", "env") if key in case}
    config, environ = write_files(tmp_path, **files)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    rows = cli_json(capsys, "--config", config, "profiles", "--json")
    compared = 0
    for row in rows:
        try:
            assert main(["--config", config, "explain", row["name"], "--json"]) == 0
        except ResolverError:
            continue  # not in every case does every profile plan alone
        plan = json.loads(capsys.readouterr().out)
        assert row["kind"] == explained_kind(plan), row["name"]
        compared += 1
    capsys.readouterr()
    assert compared >= 1  # the case's own profile at least


ONE_OF_EACH = [
    "[profile static]", "aws_access_key_id = AKIDS", "aws_secret_access_key = s",
    "[profile keyring]", "credential_store = keyring",
    "[profile environment]", "credential_source = Environment",
    "[profile imds]", "credential_source = Ec2InstanceMetadata",
    "[profile container]", "credential_source = EcsContainer",
    "[profile web]", "role_arn = arn:aws:iam::123456789012:role/w",
    "web_identity_token_file = /tmp/token",
    "[profile sso]", "sso_session = corp", "sso_account_id = 123456789012",
    "sso_role_name = Admin",
    "[profile login]", "login_session = arn:aws:iam::123456789012:user/u",
    "[profile process]", "credential_process = /opt/bin/creds",
    "[profile anywhere]", "role_arn = arn:aws:iam::123456789012:role/ra",
    "roles_anywhere_certificate = /pki/c.pem", "roles_anywhere_private_key = /pki/k.pem",
    "roles_anywhere_trust_anchor_arn = arn:aws:rolesanywhere:eu-west-1:123456789012:trust-anchor/t",
    "roles_anywhere_profile_arn = arn:aws:rolesanywhere:eu-west-1:123456789012:profile/p",
    "[default]", "region = eu-west-1", "output = json",
    "[profile saml]", "saml_process = /opt/bin/saml-helper",
    "role_arn = arn:aws:iam::123456789012:role/s",
    "[profile role]", "role_arn = arn:aws:iam::123456789012:role/r", "source_profile = static",
    "[sso-session corp]", "sso_start_url = https://corp.awsapps.com/start",
    "sso_region = us-east-1",
]  # fmt: skip


def test_a_profile_of_every_kind_is_named_alike(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config, environ = write_files(tmp_path, ini=ONE_OF_EACH)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    rows = cli_json(capsys, "--config", config, "profiles", "--json")
    kinds = {row["name"]: row["kind"] for row in rows}
    assert set(kinds.values()) == KINDS | {ROLE}
    assert (kinds["imds"], kinds["default"]) == ("ec2-instance-metadata", "default-chain")
    for name, kind in kinds.items():
        assert explained_kind(cli_json(capsys, "explain", name, "--json")) == kind, name
    assert main(["profiles"]) == 0
    listing = dict(line.split()[:2] for line in capsys.readouterr().out.splitlines())
    assert listing == kinds  # the table says what --json says


def test_credential_source_values_are_the_models() -> None:
    assert set(NAMED_SOURCES) == set(CREDENTIAL_SOURCES)


# Lines a profile may hold, several spellings of each key (blank ones too: a blank value
# selects nothing, as the planner reads it).
LINES = {
    "role_arn": ["arn:aws:iam::123456789012:role/r"],
    "source_profile": ["base", "p"],  # p: its own keys
    "credential_source": [*CREDENTIAL_SOURCES, ""],
    "web_identity_token_file": ["/tmp/token", ""],
    "sso_session": ["corp"],
    "sso_account_id": ["123456789012", ""],
    "sso_role_name": ["Admin"],
    "login_session": ["arn:aws:iam::123456789012:user/u", ""],
    "credential_process": ["/opt/bin/creds --x", ""],
    "credential_store": ["keyring"],
    "aws_access_key_id": ["AKIDSELF", ""],
    "aws_secret_access_key": ["self-secret"],
    "aws_session_token": ["self-token"],
    "mfa_serial": ["arn:aws:iam::123456789012:mfa/u"],
    "region": ["eu-west-1"],
}
profiles_settings = st.fixed_dictionaries(
    {}, optional={key: st.sampled_from(values) for key, values in LINES.items()}
)


@fuzz_settings(300)
@given(settings=profiles_settings)
def test_the_kind_is_the_planners_for_any_mix_of_keys(
    tmp_path_factory: pytest.TempPathFactory, settings: dict[str, str]
) -> None:
    ini = [
        "[profile p]",
        *(f"{key} = {value}" for key, value in settings.items()),
        "[profile base]",
        "aws_access_key_id = AKIDBASE",
        "aws_secret_access_key = base-secret",
        "[sso-session corp]",
        "sso_start_url = https://corp.awsapps.com/start",
        "sso_region = us-east-1",
    ]
    config, environ = write_files(tmp_path_factory.mktemp("kinds"), ini=ini)
    profiles = load_profiles(config, environ)
    section = profiles.raw("p")
    assert section is not None
    kind = profile_kind(section.plain())
    assert kind in KINDS | {ROLE}
    try:
        chain = build_chain(profiles, "p")
    except ResolverError:
        return  # a profile that does not plan still has the kind its keys ask for
    expected = ROLE if chain.hops and chain.hops[-1].profile == "p" else chain.source.kind
    assert kind == expected, settings


HELPERS = [
    "/opt/bin/creds --password hunter2",
    "/opt/bin/creds --password 'hunter2",  # unbalanced: split on whitespace
    "  /opt/bin/creds   hunter2  ",
]


@pytest.mark.parametrize("command", HELPERS)
def test_raw_adds_properties_and_shows_helpers_as_explain_does(
    command: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config, environ = write_files(
        tmp_path,
        ini=[
            "[profile base]",
            f"credential_process = {command}",
            "[profile role]",
            "source_profile = base",
            "role_arn = arn:aws:iam::123456789012:role/r",
            "mfa_serial = arn:aws:iam::123456789012:mfa/u",
            f"mfa_process = {command.replace('creds', 'ykman')}",
            "s3 =",
            f"  credential_process = {command}",
        ],
        credentials=["[keys]", "aws_access_key_id = AKIDK", "aws_secret_access_key = s3cr3t"],
        toml=["[profiles.t]", f"credential_process = {json.dumps(command)}"],
    )
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    plain = cli_json(capsys, "--config", config, "profiles", "--json")
    raw = cli_json(capsys, "--config", config, "profiles", "--json", "--raw")
    assert [{k: v for k, v in row.items() if k != "properties"} for row in raw] == plain
    text = json.dumps(raw)
    assert "hunter2" not in text and "s3cr3t" not in text
    by_name = {row["name"]: row["properties"] for row in raw}
    explained = cli_json(capsys, "--config", config, "explain", "role", "--json")
    assert by_name["base"]["credential_process"] == explained["source"]["command"]
    assert by_name["role"]["mfa_process"] == explained["hops"][0]["mfa_process"]
    assert by_name["role"]["s3"]["credential_process"] == "/opt/bin/creds"
    assert by_name["t"]["credential_process"] == "/opt/bin/creds"
    assert by_name["keys"]["aws_secret_access_key"] == "<redacted>"
    assert by_name["role"]["role_arn"] == "arn:aws:iam::123456789012:role/r"
