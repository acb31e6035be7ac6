"""Starting an SSO login: the device flow against the fake OIDC service on 127.0.0.1."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from resolver.cache.sso_lock import login_once
from resolver.cli.main import main
from resolver.context import Context
from resolver.errors import ProviderError
from resolver.providers.bases.sso import SsoProvider
from resolver.providers.bases.sso_device import SsoLoginTarget, Verification, device_login
from tests.conftest import IsolatedEnv
from tests.providers.bases.sso_fakes import Portal, Reply, serve_portal

START_URL = "https://corp.awsapps.com/start"
CLIENT_ID = "client-id-LOGIN-0123"
CLIENT_SECRET = "eyJraWQiOiJrZXktMTU2NDAyODA5OSJ9.LOGINCLIENTSECRET"
DEVICE_CODE = "DEVICECODE-secret-0123456789abcdef"
ACCESS_TOKEN = "aoaAAAAAGLOGINACCESSTOKENexample0123456789"
REFRESH_TOKEN = "aorAAAAAGLOGINREFRESHTOKENexample0123456789"
SECRETS = (CLIENT_SECRET, DEVICE_CODE, ACCESS_TOKEN, REFRESH_TOKEN)
VERIFY = "https://device.sso.us-east-1.amazonaws.com/?user_code=WDDD-HRQV"
SESSION = SsoLoginTarget(START_URL, "us-east-1", "corp", ("sso:account:access",))
LEGACY = SsoLoginTarget(START_URL, "us-east-1")
ROLE_CREDENTIALS = {
    "roleCredentials": {
        "accessKeyId": "ASIASSOLOGIN00000001",
        "secretAccessKey": "s",
        "sessionToken": "t",
        "expiration": 1_893_456_000_000,
    }
}


def error(code: str) -> tuple[int, dict[str, str], object]:
    return 400, {"x-amzn-ErrorType": code}, {"error": code}


GRANTED = (
    200,
    {},
    {"accessToken": ACCESS_TOKEN, "expiresIn": 28800, "refreshToken": REFRESH_TOKEN},
)


def script(*answers: tuple[int, dict[str, str], object]) -> Reply:
    """CreateToken answers in order; the last one repeats."""
    queue = list(answers)
    return lambda: queue.pop(0) if len(queue) > 1 else queue[0]


@pytest.fixture
def oidc(monkeypatch: pytest.MonkeyPatch) -> Iterator[Portal]:
    registered = {
        "clientId": CLIENT_ID,
        "clientSecret": CLIENT_SECRET,
        "clientIdIssuedAt": int(time.time()),
        "clientSecretExpiresAt": int(time.time()) + 90 * 86400,
    }
    device = {
        "deviceCode": DEVICE_CODE,
        "userCode": "WDDD-HRQV",
        "verificationUri": "https://device.sso.us-east-1.amazonaws.com/",
        "verificationUriComplete": VERIFY,
        "expiresIn": 600,
        "interval": 1,
    }
    fake = Portal(reply=lambda: (200, {}, ROLE_CREDENTIALS), token_reply=lambda: GRANTED)
    fake.post_replies["/client/register"] = lambda: (200, {}, registered)
    fake.post_replies["/device_authorization"] = lambda: (200, {}, device)
    with serve_portal(fake):
        monkeypatch.setenv("AWS_ENDPOINT_URL_SSO_OIDC", fake.url)
        yield fake


class Clock:
    """A fake monotonic clock that ``sleep`` advances."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def run_flow(target: SsoLoginTarget = SESSION) -> tuple[dict[str, Any], Clock, list[Verification]]:
    clock, shown = Clock(), []
    token = device_login(
        target, shown.append, environ=os.environ, sleep=clock.sleep, clock=lambda: clock.now
    )
    return token, clock, shown


def test_pending_and_slow_down_are_polled_at_the_pace_asked(
    oidc: Portal, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG", logger="resolver")
    oidc.token_reply = script(
        error("AuthorizationPendingException"),
        error("SlowDownException"),
        error("AuthorizationPendingException"),
        GRANTED,
    )

    token, clock, shown = run_flow()

    assert clock.sleeps == [1, 6, 6]  # the service's interval, then 5 s slower
    assert shown == [Verification(VERIFY, "WDDD-HRQV")]
    (register,) = oidc.posted("/client/register")
    assert register == {
        "clientName": "rolechain",
        "clientType": "public",
        "scopes": ["sso:account:access"],
    }
    (start,) = oidc.posted("/device_authorization")
    assert start == {"clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET, "startUrl": START_URL}
    assert len(oidc.token_requests) == 4
    assert oidc.token_requests[0] == {
        "grantType": "urn:ietf:params:oauth:grant-type:device_code",
        "deviceCode": DEVICE_CODE,
        "clientId": CLIENT_ID,
        "clientSecret": CLIENT_SECRET,
    }
    assert set(token) == {
        "startUrl", "region", "accessToken", "expiresAt", "clientId", "clientSecret",
        "registrationExpiresAt", "refreshToken",
    }  # fmt: skip
    assert (token["accessToken"], token["refreshToken"]) == (ACCESS_TOKEN, REFRESH_TOKEN)
    for secret in SECRETS:
        assert secret not in caplog.text


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (error("ExpiredTokenException"), "the device code expired before the login was approved"),
        (error("AccessDeniedException"), "was denied in the browser"),
        (error("InvalidClientException"), r"CreateToken failed \(InvalidClientException\)"),
    ],
)
def test_expired_denied_and_failed_logins(
    oidc: Portal, answer: tuple[int, dict[str, str], object], message: str
) -> None:
    oidc.token_reply = script(error("AuthorizationPendingException"), answer)

    with pytest.raises(ProviderError, match=message) as info:
        run_flow()
    for secret in SECRETS:
        assert secret not in str(info.value)


def test_polling_stops_when_the_device_code_runs_out(oidc: Portal) -> None:
    oidc.token_reply = lambda: error("AuthorizationPendingException")
    device = {"deviceCode": DEVICE_CODE, "userCode": "U", "verificationUri": VERIFY,
              "expiresIn": 10, "interval": 2}  # fmt: skip
    oidc.post_replies["/device_authorization"] = lambda: (200, {}, device)
    clock = Clock()

    with pytest.raises(ProviderError, match="device code expired"):
        device_login(
            SESSION, lambda v: None, environ=os.environ, sleep=clock.sleep, clock=lambda: clock.now
        )

    assert clock.sleeps == [2] * 5 and len(oidc.token_requests) == 6  # t = 0, 2, ... 10


def test_token_lands_where_botocore_and_the_cli_read_it(
    oidc: Portal, isolated_env: IsolatedEnv
) -> None:
    from botocore.utils import JSONFileCache, SSOTokenLoader

    outcome = login_once(SESSION, lambda v: None, ctx=Context.build())

    cache = isolated_env.home / ".aws" / "sso" / "cache"
    path = cache / (hashlib.sha1(b"corp").hexdigest() + ".json")
    assert outcome.path == str(path) and outcome.started
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700
    loaded = SSOTokenLoader(JSONFileCache(str(cache)))(START_URL, session_name="corp")
    assert loaded["accessToken"] == ACCESS_TOKEN
    expires = datetime.strptime(loaded["expiresAt"], "%Y-%m-%dT%H:%M:%SZ")
    left = expires.replace(tzinfo=timezone.utc) - datetime.now(timezone.utc)
    assert timedelta(hours=7, minutes=58) < left <= timedelta(hours=8)
    # rolechain's own SSO base uses it to fetch role credentials from the portal
    sso = SsoProvider(START_URL, "us-east-1", "111122223333", "Admin", sso_session="corp",
                      endpoint_url=oidc.url, environ=os.environ)  # fmt: skip
    assert sso.retrieve().access_key_id == "ASIASSOLOGIN00000001"
    assert oidc.requests[0][2]["x-amz-sso_bearer_token"] == ACCESS_TOKEN


def test_legacy_start_url_token_has_the_cli_legacy_shape(
    oidc: Portal, isolated_env: IsolatedEnv
) -> None:
    outcome = login_once(LEGACY, lambda v: None, ctx=Context.build())

    assert Path(outcome.path).name == hashlib.sha1(START_URL.encode()).hexdigest() + ".json"
    saved = json.loads(Path(outcome.path).read_text())
    assert set(saved) == {"startUrl", "region", "accessToken", "expiresAt"}


def test_cache_directory_others_can_write_is_refused(
    oidc: Portal, isolated_env: IsolatedEnv
) -> None:
    cache = isolated_env.home / ".aws" / "sso" / "cache"
    cache.mkdir(parents=True)
    cache.chmod(0o777)

    with pytest.raises(ProviderError, match="not a directory only you can write"):
        login_once(SESSION, lambda v: None, ctx=Context.build())
    assert list(cache.iterdir()) == []


SSO_CONFIG = f"""
[sso-session corp]
sso_start_url = {START_URL}
sso_region = us-east-1
sso_registration_scopes = sso:account:access

[profile dev]
sso_session = corp
sso_account_id = 111122223333
sso_role_name = Admin

[profile deploy]
source_profile = dev
role_arn = arn:aws:iam::111122223333:role/deploy

[profile keys]
aws_access_key_id = AKIDKEYS
aws_secret_access_key = s
"""


def write_config(env: IsolatedEnv) -> None:
    env.aws_config_file.parent.mkdir(parents=True, exist_ok=True)
    env.aws_config_file.write_text(SSO_CONFIG)


def test_cli_login_by_profile_prints_the_url_and_no_token(
    oidc: Portal,
    isolated_env: IsolatedEnv,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    write_config(isolated_env)
    opened: list[str] = []
    monkeypatch.setattr("webbrowser.open", lambda url, new=0: opened.append(url) or True)

    assert main(["sso", "login", "deploy"]) == 0  # a role on an SSO base: its session

    out, err = capsys.readouterr()
    assert out == "" and opened == [VERIFY]
    assert VERIFY in err and "WDDD-HRQV" in err and "rolechain: logged in" in err
    assert oidc.posted("/device_authorization")[0]["startUrl"] == START_URL
    for secret in SECRETS:
        assert secret not in out + err


def test_cli_errors(
    oidc: Portal, isolated_env: IsolatedEnv, capsys: pytest.CaptureFixture[str]
) -> None:
    write_config(isolated_env)
    cases = {
        ("keys",): "profile keys does not use IAM Identity Center (its base is static)",
        ("--sso-session", "corpp"): "sso-session 'corpp' does not exist; did you mean corp?",
        (): "name a profile or --sso-session NAME",
    }
    for argv, message in cases.items():
        assert main(["sso", "login", "--no-browser", *argv]) != 0
        assert message in capsys.readouterr().err
    assert oidc.posts == []


def test_eight_parallel_logins_start_one_device_flow(
    oidc: Portal, isolated_env: IsolatedEnv, tmp_path: Path
) -> None:
    write_config(isolated_env)
    approved = False
    oidc.token_reply = lambda: GRANTED if approved else error("AuthorizationPendingException")
    logs = [tmp_path / f"run{n}.err" for n in range(8)]
    command = [sys.executable, "-m", "resolver", "sso", "login", "--sso-session", "corp"]
    runs = []
    for log in logs:
        with log.open("w") as stream:
            runs.append(subprocess.Popen([*command, "--no-browser"], stderr=stream,
                                         stdout=subprocess.PIPE, env=dict(os.environ)))  # fmt: skip
    deadline = time.monotonic() + 120
    while sum("Waiting for another" in log.read_text() for log in logs) < 7:
        assert time.monotonic() < deadline, [log.read_text() for log in logs]
        assert all(run.poll() is None for run in runs)
        time.sleep(0.05)
    approved = True
    outputs = [run.communicate(timeout=120)[0] for run in runs]

    assert [run.returncode for run in runs] == [0] * 8
    assert len(oidc.posted("/device_authorization")) == 1
    texts = [log.read_text() for log in logs]
    assert sum("To log in to" in text for text in texts) == 1
    assert sum("used the login another rolechain run just finished" in t for t in texts) == 7
    for text in [*texts, *(o.decode() for o in outputs)]:
        for secret in SECRETS:
            assert secret not in text


def test_help_explains_the_login(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["sso", "login", "--help"])
    text = capsys.readouterr().out
    for fragment in ("--sso-session", "--no-browser", "StartDeviceAuthorization", "sha1"):
        assert fragment in text


def test_registration_scopes_default_like_the_cli(oidc: Portal) -> None:
    run_flow(SsoLoginTarget(START_URL, "us-east-1", "corp"))
    run_flow(LEGACY)

    first, legacy = oidc.posted("/client/register")
    assert first["scopes"] == ["sso:account:access"]
    assert "scopes" not in legacy


def test_token_times_are_written_in_utc_whatever_the_clock_zone(oidc: Portal) -> None:
    """The cache's ``expiresAt`` is UTC with a ``Z``, as the AWS CLI reads it, even when the
    injected clock is another zone (a local time was once written with a ``Z``)."""
    clock, eastern = Clock(), timezone(timedelta(hours=5))
    token = device_login(
        SESSION,
        lambda v: None,
        environ=os.environ,
        sleep=clock.sleep,
        clock=lambda: clock.now,
        now=lambda: datetime(2030, 1, 2, 3, 4, 5, tzinfo=eastern),
    )
    assert token["expiresAt"] == "2030-01-02T06:04:05Z"  # 22:04:05Z the day before, + 8h
    assert token["registrationExpiresAt"].endswith("Z")
