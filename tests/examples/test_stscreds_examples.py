"""Each program in ``examples/stscreds/`` runs as a subprocess against ``moto_server``, from a
regular (non-editable) install of the wheel, and moto's recorder shows exactly what STS
received: the guide's examples (docs/library/stscreds.md) are real."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.moto_support import (
    ACCOUNT_ID,
    REGION,
    TEST_ACCESS_KEY_ID,
    TEST_SECRET_ACCESS_KEY,
    MotoServer,
    recorded_sts_calls,
)
from tests.test_packaging import Dist, Installed, install_wheel

ROOT = Path(__file__).resolve().parent.parent.parent
EXAMPLES = ROOT / "examples" / "stscreds"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT_ID}:role/example"
MFA_SERIAL = f"arn:aws:iam::{ACCOUNT_ID}:mfa/alice"
READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"


pytestmark = pytest.mark.packaging  # one wheel, built for the module


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory, dist: Dist) -> Installed:
    """rolechain's wheel in a fresh venv (``tests/test_packaging.py``): no source tree."""
    return install_wheel(tmp_path_factory.mktemp("wheel"), dist)


def run_example(
    installed: Installed,
    moto: MotoServer,
    name: str,
    *argv: str,
    stdin: str = "",
    env: dict[str, str] | None = None,
) -> str:
    """Run ``examples/stscreds/NAME`` with the installed wheel's interpreter against ``moto``,
    with the caller's test keys in the environment (from outside the repository, without
    ``PYTHONPATH``); its stdout."""
    environment = {
        **installed.env,
        "AWS_ENDPOINT_URL_STS": moto.url,
        "AWS_ACCESS_KEY_ID": TEST_ACCESS_KEY_ID,
        "AWS_SECRET_ACCESS_KEY": TEST_SECRET_ACCESS_KEY,
        "AWS_DEFAULT_REGION": REGION,
        **(env or {}),
    }
    done = subprocess.run(
        [str(installed.python), str(EXAMPLES / name), *argv],
        input=stdin,
        env=environment,
        cwd=moto.workdir,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, f"{name} failed:\n{done.stdout}\n{done.stderr}"
    assert TEST_SECRET_ACCESS_KEY not in done.stdout + done.stderr
    return done.stdout


def printed(stdout: str, label: str) -> list[str]:
    """The values of the ``label: value`` lines the example printed, in order."""
    return [line.split(": ", 1)[1] for line in stdout.splitlines() if line.startswith(label + ":")]


def test_assume_role_sends_every_option_and_keeps_the_session_name(
    installed: Installed, moto: MotoServer
) -> None:
    out = run_example(installed, moto, "assume_role.py", ROLE_ARN)

    calls = recorded_sts_calls(moto)
    assert [call.action for call in calls] == ["AssumeRole", "AssumeRole"]
    first, second = calls
    assert first.access_key_id == TEST_ACCESS_KEY_ID
    assert first.params["RoleArn"] == ROLE_ARN
    assert first.params["DurationSeconds"] == "3600"
    assert first.params["ExternalId"] == "example-external-id"
    assert first.params["SourceIdentity"] == "alice"
    assert first.tags == {"team": "platform", "cost-center": "4242"}
    assert first.transitive_tag_keys == ["team"]
    assert first.policy_arns == [READ_ONLY]
    assert "SerialNumber" not in first.params and "TokenCode" not in first.params
    # The refresh sends the same request, under the same generated session name (Go keeps it).
    assert second.params == first.params
    assert first.params["RoleSessionName"].startswith("rolechain-")
    (assumed,) = printed(out, "assumed")
    (refreshed,) = printed(out, "refreshed")
    assert assumed.split()[0] != refreshed
    assert f"account {ACCOUNT_ID}, from AssumeRoleProvider" in assumed


def test_custom_token_provider_is_asked_on_every_refresh(
    installed: Installed, moto: MotoServer
) -> None:
    out = run_example(
        installed,
        moto,
        "mfa_custom_token.py",
        ROLE_ARN,
        MFA_SERIAL,
        env={"MFA_TOKEN_CODE": "123456"},
    )

    calls = recorded_sts_calls(moto)
    assert [call.action for call in calls] == ["AssumeRole", "AssumeRole"]
    for call in calls:
        assert call.params["SerialNumber"] == MFA_SERIAL
        assert call.params["TokenCode"] == "123456"
        assert call.params["DurationSeconds"] == "900"  # Go's DefaultDuration
    assert calls[0].params["RoleSessionName"] == calls[1].params["RoleSessionName"]
    assert "token provider called 2 times" in out
    assert "123456" not in out


def test_custom_token_provider_code_that_is_not_six_digits_never_reaches_sts(
    installed: Installed, moto: MotoServer
) -> None:
    environment = {
        **installed.env,
        "AWS_ENDPOINT_URL_STS": moto.url,
        "AWS_ACCESS_KEY_ID": TEST_ACCESS_KEY_ID,
        "AWS_SECRET_ACCESS_KEY": TEST_SECRET_ACCESS_KEY,
        "AWS_DEFAULT_REGION": REGION,
        "MFA_TOKEN_CODE": "00000000",  # Go's own example code: 8 digits
    }
    done = subprocess.run(
        [str(installed.python), str(EXAMPLES / "mfa_custom_token.py"), ROLE_ARN, MFA_SERIAL],
        env=environment,
        cwd=installed.neutral,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert done.returncode != 0
    assert "TokenError" in done.stderr and "exactly 6 digits" in done.stderr
    assert "00000000" not in done.stderr
    assert recorded_sts_calls(moto) == []


def test_stdin_token_provider_sends_the_code_read_from_stdin(
    installed: Installed, moto: MotoServer
) -> None:
    out = run_example(installed, moto, "mfa_stdin.py", ROLE_ARN, MFA_SERIAL, stdin="654321\n")

    (call,) = recorded_sts_calls(moto)
    assert call.action == "AssumeRole"
    assert call.params["SerialNumber"] == MFA_SERIAL
    assert call.params["TokenCode"] == "654321"
    assert call.access_key_id == TEST_ACCESS_KEY_ID
    (assumed,) = printed(out, "assumed")
    assert assumed.split()[0].startswith("ASIA")
    assert "654321" not in out


def test_web_identity_sends_the_file_token_and_no_duration(
    installed: Installed, moto: MotoServer, tmp_path: Path
) -> None:
    token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJleGFtcGxlIn0.c2lnbmF0dXJlLWZvci10ZXN0cw"
    token_file = tmp_path / "token"
    token_file.write_text(token)

    out = run_example(installed, moto, "web_identity.py", ROLE_ARN, str(token_file))

    (call,) = recorded_sts_calls(moto)
    assert call.action == "AssumeRoleWithWebIdentity"
    assert call.params["RoleArn"] == ROLE_ARN
    assert call.params["WebIdentityToken"] == token
    assert call.params["RoleSessionName"] == "example-web-identity"
    assert call.policy_arns == [READ_ONLY]
    assert "DurationSeconds" not in call.params  # as in Go: STS picks the default
    assert call.access_key_id is None  # unsigned: no caller credentials needed
    assert token not in out
    assert "from WebIdentityCredentials" in out


def test_boto3_bridge_assumes_once_for_many_calls(installed: Installed, moto: MotoServer) -> None:
    out = run_example(installed, moto, "boto3_bridge.py", ROLE_ARN)

    calls = recorded_sts_calls(moto)
    assert [call.action for call in calls] == ["AssumeRole"] + ["GetCallerIdentity"] * 3
    assert calls[0].access_key_id == TEST_ACCESS_KEY_ID
    assert calls[0].tags == {"team": "platform"}
    (assumed,) = printed(out, "assumed")
    assert {call.access_key_id for call in calls[1:]} == {assumed}
    session_name = calls[0].params["RoleSessionName"]
    assert (
        printed(out, "caller")
        == [f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/example/{session_name}"] * 3
    )


def test_asyncio_bridge_assumes_once_for_concurrent_calls(
    installed: Installed, moto: MotoServer
) -> None:
    out = run_example(installed, moto, "asyncio_bridge.py", ROLE_ARN)

    calls = recorded_sts_calls(moto)
    assert [call.action for call in calls] == ["AssumeRole"] + ["GetCallerIdentity"] * 3
    assert calls[0].access_key_id == TEST_ACCESS_KEY_ID
    assert calls[0].tags == {"team": "platform"}
    (assumed,) = printed(out, "assumed")
    assert {call.access_key_id for call in calls[1:]} == {assumed}
    assert len(set(printed(out, "caller"))) == 1


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.py")), ids=lambda path: path.name)
def test_every_example_is_tested_here(path: Path) -> None:
    assert f'"{path.name}"' in Path(__file__).read_text()
