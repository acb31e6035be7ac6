"""``rolechain sso populate`` end to end against a fake SSO portal on 127.0.0.1
(``tests/cli/sso_portal_fake.py``: bearer token checked, paginated, throttled once), with
the written TOML planned, validated and explained by rolechain itself."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from resolver.cli.main import main
from resolver.config.sso_profiles import begin_marker, end_marker
from tests.cli.sso_portal_fake import FakePortal, serve
from tests.conftest import IsolatedEnv

ACCESS_TOKEN = "aoaAAAAAGPOPULATEACCESSTOKENexample0123456789"
START_URL = "https://corp.awsapps.com/start"
ACCOUNTS = {"111111111111": "Prod", "222222222222": "Dev Sandbox", "333333333333": "Logs"}
ROLES = {
    "111111111111": ["AdministratorAccess", "ReadOnly", "Billing"],
    "222222222222": ["Developer"],
    "333333333333": ["ReadOnly"],
}
NAMES = [
    "Dev-Sandbox.Developer",
    "Logs.ReadOnly",
    "Prod.AdministratorAccess",
    "Prod.Billing",
    "Prod.ReadOnly",
]
USER_TEXT = (
    "# my profiles: hand-written, keep   these bytes\n"
    "[sso_sessions.corp]\n"
    f'sso_start_url = "{START_URL}"\n'
    'sso_region = "eu-west-1"   # the portal\n'
    "\n"
    "[profiles.mine]\n"
    "sso_session = 'corp'\n"
    'sso_account_id = "111111111111"\n'
    'sso_role_name = "ReadOnly"\n'
    'region = "us-east-2"\n'
)


def write_token(home: Path, *, expires_in: timedelta = timedelta(hours=8)) -> Path:
    """The token ``rolechain sso login --sso-session corp`` leaves (botocore's cache)."""
    directory = home / ".aws" / "sso" / "cache"
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / (hashlib.sha1(b"corp").hexdigest() + ".json")
    expires = datetime.now(timezone.utc) + expires_in
    token = {
        "startUrl": START_URL,
        "region": "eu-west-1",
        "accessToken": ACCESS_TOKEN,
        "expiresAt": expires.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    path.write_text(json.dumps(token))
    return path


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """botocore's retry waits no random jitter here (the retry itself still happens)."""
    monkeypatch.setattr(
        "botocore.retries.standard.ExponentialBackoff.delay_amount", lambda self, context: 0.0
    )


@pytest.fixture
def portal(isolated_env: IsolatedEnv, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakePortal]:
    fake = FakePortal(ACCESS_TOKEN, dict(ACCOUNTS), {k: list(v) for k, v in ROLES.items()})
    with serve(fake):
        monkeypatch.setenv("AWS_ENDPOINT_URL_SSO", fake.url)
        write_token(isolated_env.home)
        isolated_env.rolechain_config.write_text(USER_TEXT)
        yield fake


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    assert ACCESS_TOKEN not in captured.out + captured.err
    return status, captured.out, captured.err


def populate(capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str, str]:
    return run(capsys, "sso", "populate", "--sso-session", "corp", *extra)


def one_error(err: str) -> str:
    """The one error line of a failed run (stderr may also hold the listing's summary)."""
    (line,) = [line for line in err.splitlines() if line.startswith("rolechain: error:")]
    assert err.endswith(line + "\n")
    return line


def block_of(text: str) -> str:
    start = text.index(begin_marker("corp"))
    end = text.index(end_marker("corp")) + len(end_marker("corp")) + 1
    return text[start:end]


def outside_block(text: str) -> str:
    block = block_of(text)
    return text.replace(block, "")


def backups(config: Path) -> list[Path]:
    return sorted(config.parent.glob(f"{config.name}.bak.*"))


def test_populate_writes_profiles_that_plan_validate_and_explain(
    portal: FakePortal, isolated_env: IsolatedEnv, capsys: pytest.CaptureFixture[str]
) -> None:
    portal.throttle_once = {"/assignment/accounts"}
    status, out, err = populate(capsys)
    assert status == 0, err
    config = isolated_env.rolechain_config
    text = config.read_text()
    # every byte the user wrote stays, the block comes after it
    assert text.startswith(USER_TEXT)
    assert "5 added, 0 updated, 0 removed, 0 unchanged" in out
    assert all(f"+ {name}" in out for name in NAMES)
    assert "3 accounts, 5 roles" in err
    # the portal: ListAccounts throttled once then retried, 2 pages of 2; ListAccountRoles
    # per account, Prod's 3 roles in 2 pages; every request carried the bearer token
    accounts = portal.calls("/assignment/accounts")
    assert [r.status for r in accounts] == [429, 200, 200]
    assert [r.query.get("next_token") for r in accounts] == [None, None, "2"]
    roles = portal.calls("/assignment/roles")
    assert [r.query["account_id"] for r in roles] == [
        "111111111111",
        "111111111111",
        "222222222222",
        "333333333333",
    ]
    assert len(portal.requests) == 7
    assert all(r.headers["x-amz-sso_bearer_token"] == ACCESS_TOKEN for r in portal.requests[1:])
    assert {r.query["max_result"] for r in portal.requests} == {"100"}
    # the backup holds the file as it was
    (backup,) = backups(config)
    assert backup.read_text() == USER_TEXT
    assert oct(backup.stat().st_mode & 0o777) == "0o600"
    # rolechain reads what it wrote: listed, validated, explained
    status, out, err = run(capsys, "profiles", "--json")
    listed = {entry["name"] for entry in json.loads(out)}
    assert set(NAMES) | {"mine"} <= listed
    status, out, err = run(capsys, "validate")
    assert status == 0, out + err
    status, out, err = run(capsys, "explain", "Prod.Billing", "--json")
    assert status == 0, err
    plan = json.loads(out)
    assert plan["source"]["kind"] == "sso"
    assert plan["source"]["sso_account_id"] == "111111111111"
    assert plan["source"]["sso_role_name"] == "Billing"
    assert plan["source"]["sso_start_url"] == START_URL


def test_a_second_run_removes_only_the_role_that_is_gone_and_keeps_user_bytes(
    portal: FakePortal, isolated_env: IsolatedEnv, capsys: pytest.CaptureFixture[str]
) -> None:
    config = isolated_env.rolechain_config
    assert populate(capsys)[0] == 0
    # the user adds text after the block, and an edit of their own profile
    after = (
        '\n# later, by hand\n[profiles.other]\nsource_profile = "mine"\nrole_arn = '
        '"arn:aws:iam::111111111111:role/x"\n'
    )
    first = config.read_text()
    config.write_text(first.replace('region = "us-east-2"', 'region = "us-west-1"') + after)
    before = config.read_text()
    portal.roles["111111111111"].remove("Billing")
    portal.accounts["222222222222"] = "Dev"  # renamed: a new name, the old one goes
    status, out, err = populate(capsys)
    assert status == 0, err
    text = config.read_text()
    assert outside_block(text) == outside_block(before)  # byte for byte
    assert "Prod.Billing" not in text and "Dev-Sandbox" not in text
    assert "1 added, 0 updated, 2 removed, 3 unchanged" in out
    assert "- Prod.Billing" in out and "+ Dev.Developer" in out
    assert backups(config)[-1].read_text() == before
    status, out, err = run(capsys, "validate")
    assert status == 0, out + err


def test_a_run_with_nothing_changed_writes_nothing(
    portal: FakePortal, isolated_env: IsolatedEnv, capsys: pytest.CaptureFixture[str]
) -> None:
    config = isolated_env.rolechain_config
    assert populate(capsys)[0] == 0
    text, made = config.read_text(), backups(config)
    status, out, _ = populate(capsys)
    assert status == 0
    assert "0 added, 0 updated, 0 removed, 5 unchanged" in out
    assert config.read_text() == text and backups(config) == made


def test_region_option_updates_every_generated_profile(
    portal: FakePortal, isolated_env: IsolatedEnv, capsys: pytest.CaptureFixture[str]
) -> None:
    assert populate(capsys)[0] == 0
    status, out, _ = populate(capsys, "--region", "eu-central-1")
    assert status == 0
    assert "0 added, 5 updated" in out
    block = block_of(isolated_env.rolechain_config.read_text())
    assert block.count('region = "eu-central-1"') == 5
    status, out, err = populate(capsys, "--region", "eu central")
    assert status == 2 and "invalid region" in err and len(err.splitlines()) == 1


def test_dry_run_shows_the_diff_and_writes_nothing(
    portal: FakePortal, isolated_env: IsolatedEnv, capsys: pytest.CaptureFixture[str]
) -> None:
    config = isolated_env.rolechain_config
    listing = sorted(os.listdir(config.parent))
    status, out, err = populate(capsys, "--dry-run")
    assert status == 0, err
    assert config.read_text() == USER_TEXT
    assert sorted(os.listdir(config.parent)) == listing  # no backup, lock or temp file
    assert '+[profiles."Prod.Billing"]' in out
    assert "would change" in out and "5 added" in out and "(nothing written)" in out
    # after a real run, a dry run shows a removal as - lines
    assert populate(capsys)[0] == 0
    written = config.read_text()
    portal.roles["333333333333"] = []
    status, out, _ = populate(capsys, "--dry-run")
    assert '-[profiles."Logs.ReadOnly"]' in out and "1 removed" in out
    assert config.read_text() == written


def test_a_new_file_is_created_private_and_other_files_are_warned_about(
    portal: FakePortal, isolated_env: IsolatedEnv, capsys: pytest.CaptureFixture[str]
) -> None:
    other = isolated_env.home / "sso.toml"
    # the profiles must plan in the file written: its sso-session is not there
    status, _, err = populate(capsys, "--file", str(other))
    assert status == 2 and "sso-session 'corp' does not exist" in err and not other.exists()
    isolated_env.aws_config_file.parent.mkdir(parents=True, exist_ok=True)
    isolated_env.aws_config_file.write_text(
        f"[sso-session corp]\nsso_start_url = {START_URL}\nsso_region = eu-west-1\n"
    )
    isolated_env.rolechain_config.write_text("")
    status, _out, err = populate(capsys, "--file", str(other))
    assert status == 0, err
    assert oct(other.stat().st_mode & 0o777) == "0o600"
    assert other.read_text().startswith(begin_marker("corp"))
    assert "rolechain reads" in err and f"ROLECHAIN_CONFIG={other}" in err


def test_name_template(
    portal: FakePortal, isolated_env: IsolatedEnv, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = populate(capsys, "--name", "{sso_session}-{account_id}/{role_name}")
    assert status == 0, err
    assert "+ corp-111111111111/AdministratorAccess" in out
    status, out, err = run(capsys, "explain", "corp-222222222222/Developer")
    assert status == 0, err


@pytest.mark.parametrize(
    ("template", "says"),
    [
        ("{account_name}.{nope}", "{nope} is not one of"),
        ("{account_name.__class__}.{role_name}", "is not one of"),
        ("{account_name!r}.{role_name}", "is not one of"),
        ("{account_name:>9}.{role_name}", "is not one of"),
        ("{account_name}", "must contain {role_name}"),
        ("{account_name", "--name"),
        ("my profile {role_name}", "no profile name"),
        ("x[{role_name}]", "no profile name"),
    ],
)
def test_bad_name_templates_are_one_line_errors(
    portal: FakePortal, capsys: pytest.CaptureFixture[str], template: str, says: str
) -> None:
    status, _out, err = populate(capsys, "--name", template)
    assert status == 2
    assert says in err and one_error(err)
    if "no profile name" not in says:
        assert portal.requests == []  # checked before any call


def test_names_of_profiles_the_user_wrote_are_refused(
    portal: FakePortal, isolated_env: IsolatedEnv, capsys: pytest.CaptureFixture[str]
) -> None:
    config = isolated_env.rolechain_config
    config.write_text(USER_TEXT + '\n[profiles."Logs.ReadOnly"]\nregion = "us-east-1"\n')
    text = config.read_text()
    status, _, err = populate(capsys)
    assert status == 2
    assert "Logs.ReadOnly" in err and "nothing was written" in err
    assert one_error(err)
    assert config.read_text() == text and backups(config) == []
    # a profile of the AWS config file counts too
    config.write_text(USER_TEXT)
    isolated_env.aws_config_file.parent.mkdir(parents=True, exist_ok=True)
    isolated_env.aws_config_file.write_text("[profile Prod.ReadOnly]\nregion = us-east-1\n")
    status, _, err = populate(capsys)
    assert status == 2 and "Prod.ReadOnly" in err
    assert config.read_text() == USER_TEXT


def test_two_roles_with_one_name_are_refused(
    portal: FakePortal, isolated_env: IsolatedEnv, capsys: pytest.CaptureFixture[str]
) -> None:
    portal.accounts["333333333333"] = "Prod"  # account names need not be unique
    status, _, err = populate(capsys)
    assert status == 2
    assert "'Prod.ReadOnly'" in err and "{account_id}" in err
    assert isolated_env.rolechain_config.read_text() == USER_TEXT
    status, _out, err = populate(capsys, "--name", "{account_name}-{account_id}.{role_name}")
    assert status == 0, err


def test_without_a_valid_token_it_says_to_log_in(
    portal: FakePortal, isolated_env: IsolatedEnv, capsys: pytest.CaptureFixture[str]
) -> None:
    write_token(isolated_env.home, expires_in=-timedelta(minutes=1))
    status, _, err = populate(capsys)
    assert status == 1
    assert "rolechain sso login --sso-session corp" in err and "expired" in err
    assert one_error(err) and portal.requests == []
    write_token(isolated_env.home)
    portal.token = "another-token-the-portal-now-wants"
    status, _, err = populate(capsys)
    assert status == 1
    assert "rejected" in err and "rolechain sso login --sso-session corp" in err
    assert one_error(err)
    assert isolated_env.rolechain_config.read_text() == USER_TEXT


def test_an_unknown_sso_session_is_a_one_line_error(
    portal: FakePortal, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = run(capsys, "sso", "populate", "--sso-session", "crop")
    assert status == 2 and "did you mean corp" in err and portal.requests == []


def test_the_portal_endpoint_comes_from_the_environment_and_is_checked(
    portal: FakePortal, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("AWS_ENDPOINT_URL_SSO")
    monkeypatch.setenv("AWS_ENDPOINT_URL", portal.url)  # the generic one, as botocore
    assert populate(capsys, "--dry-run")[0] == 0
    assert portal.requests
    monkeypatch.setenv("AWS_ENDPOINT_URL_SSO", "http://127.0.0.1:notaport")
    status, _, err = populate(capsys, "--dry-run")
    assert status == 2 and "AWS_ENDPOINT_URL_SSO" in err and one_error(err)


def test_damaged_markers_and_keys_after_the_block_are_refused(
    portal: FakePortal, isolated_env: IsolatedEnv, capsys: pytest.CaptureFixture[str]
) -> None:
    config = isolated_env.rolechain_config
    assert populate(capsys)[0] == 0
    written = config.read_text()
    config.write_text(written.replace(end_marker("corp") + "\n", ""))
    status, _, err = populate(capsys)
    assert status == 2 and "marker lines" in err and "1 begin, 0 end" in err
    # a key written right after the end marker belongs to the last generated profile
    for key in ('region = "eu-west-1"\n', "duration_seconds = 900\n"):
        config.write_text(written + key)
        portal.roles["111111111111"].append("Zeta" + str(len(key)))
        status, _, err = populate(capsys)
        assert status == 2 and "depend on the generated block" in one_error(err)
        assert config.read_text() == written + key


def test_crlf_files_get_a_crlf_block(
    portal: FakePortal, isolated_env: IsolatedEnv, capsys: pytest.CaptureFixture[str]
) -> None:
    config = isolated_env.rolechain_config
    crlf = USER_TEXT.replace("\n", "\r\n").encode()
    config.write_bytes(crlf)
    assert populate(capsys)[0] == 0
    data = config.read_bytes()
    assert data.startswith(crlf) and data.count(b"\n") == data.count(b"\r\n")
    assert populate(capsys)[0] == 0  # the block is found again
    assert config.read_bytes() == data


def test_hostile_account_names_cannot_break_the_file(
    portal: FakePortal, isolated_env: IsolatedEnv, capsys: pytest.CaptureFixture[str]
) -> None:
    portal.accounts = {
        "111111111111": 'Prod"\n[profiles.evil]\ncredential_process = "sh -c id"',
        "222222222222": "Dev ] # \\ '''\"\"\" \x1b[31m\u202e",
        "333333333333": "Produção \ud800 😀",
    }
    status, out, err = populate(capsys)
    assert status == 0, err
    text = isolated_env.rolechain_config.read_text()
    assert "\x1b" not in out + err
    lines = text.splitlines()
    assert not [line for line in lines if line.startswith(("credential_process", "[profiles.evil"))]
    block = block_of(text)
    assert block.isascii()  # every account name JSON-escaped in its comment
    status, out, _ = run(capsys, "profiles", "--json")
    names = {entry["name"] for entry in json.loads(out)}
    assert names == {
        "mine",
        "Prod-profiles.evil-credential_process-sh--c-id.AdministratorAccess",
        "Prod-profiles.evil-credential_process-sh--c-id.Billing",
        "Prod-profiles.evil-credential_process-sh--c-id.ReadOnly",
        "Dev-31m.Developer",
        "Producao.ReadOnly",
    }
    status, out, err = run(capsys, "validate")
    assert status == 0, out + err


def test_a_collision_with_a_user_profile_has_its_reason(isolated_env: IsolatedEnv) -> None:
    from resolver.cli.sso_populate import plan_change
    from resolver.config.sso_profiles import SsoProfile
    from resolver.context import Context
    from resolver.errors import ConfigError

    text = USER_TEXT + "\n[profiles.taken]\nregion = 'us-east-1'\n"
    generated = [SsoProfile("taken", "corp", "111111111111", "Prod", "Admin")]
    with pytest.raises(ConfigError) as info:
        plan_change(isolated_env.rolechain_config, text, generated, "corp", Context.build())
    assert info.value.reason == "populate-collision"
