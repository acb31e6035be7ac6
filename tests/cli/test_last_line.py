"""Issue 19 item 4: a secret in a traceback. Endpoints are checked before any request is
built, and the CLI's last line of defence turns any stray exception into one line naming
its class; the traceback comes only with ``--debug``, scrubbed of every secret seen."""

from __future__ import annotations

import http.client
import io
import json
import secrets
import subprocess
import sys
from urllib.parse import quote, quote_plus, urlencode

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import resolver
from resolver import cli, errors
from resolver.api import clear
from resolver.config.values import environment_endpoint
from resolver.console.urls import PARTITIONS, federation_endpoint
from resolver.errors import ResolverError, remember, scrub
from resolver.providers.bases.container import ContainerProvider
from resolver.providers.bases.imds import InstanceMetadataProvider
from resolver.stscreds.credentials import Credentials
from tests.conftest import IsolatedEnv
from tests.hostile import fuzz_settings, hostile_text
from tests.moto_support import TEST_ACCESS_KEY_ID, TEST_SECRET_ACCESS_KEY, MotoServer

PROFILES = f"""
[profiles.user]
aws_access_key_id = "{TEST_ACCESS_KEY_ID}"
aws_secret_access_key = "{TEST_SECRET_ACCESS_KEY}"
[profiles.admin]
source_profile = "user"
role_arn = "arn:aws:iam::123456789012:role/admin"
"""
BAD_ENDPOINTS = ["http://127.0.0.1:9/fed eration", "http://[::1/x", "http://127.0.0.1:99999/f"]


def encodings(value: str) -> list[str]:
    """How a secret may show in text: raw, URL-encoded, inside URL-encoded JSON, repr."""
    inner = json.dumps(value)[1:-1]
    return [value, quote(value, safe=""), quote_plus(value), quote_plus(inner), repr(value)[1:-1]]


def run_cli(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "resolver", *argv],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


@pytest.mark.parametrize("endpoint", BAD_ENDPOINTS)
@pytest.mark.parametrize("debug", [False, True])
def test_a_bad_federation_endpoint_never_shows_the_session(
    endpoint: str,
    debug: bool,
    moto: MotoServer,
    isolated_env: IsolatedEnv,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", moto.url)
    monkeypatch.setenv("ROLECHAIN_FEDERATION_ENDPOINT", endpoint)
    isolated_env.rolechain_config.write_text(PROFILES)
    clear()
    done = run_cli(*(["--debug"] if debug else []), "console", "admin", "--print")
    session = resolver.resolve("admin")  # the cached session, if the run got one
    assert done.returncode != 0 and done.stdout == ""
    for secret in (session.secret_access_key, session.session_token or "", TEST_SECRET_ACCESS_KEY):
        assert not any(form in done.stderr for form in encodings(secret))
    last = done.stderr.splitlines()[-1]
    assert last.startswith("rolechain: error: ROLECHAIN_FEDERATION_ENDPOINT must be an https")
    if not debug:
        assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr


def test_environment_session_keys_never_reach_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    key, token = secrets.token_urlsafe(30), secrets.token_urlsafe(90)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "ASIAEXAMPLEEXAMPLE00")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", key)
    monkeypatch.setenv("AWS_SESSION_TOKEN", token)
    monkeypatch.setenv("ROLECHAIN_FEDERATION_ENDPOINT", BAD_ENDPOINTS[0])
    for debug in ([], ["--debug"]):
        done = run_cli(*debug, "console", "--print")
        assert done.returncode != 0
        assert not any(form in done.stderr for s in (key, token) for form in encodings(s))
        assert done.stderr.splitlines()[-1].startswith("rolechain: error: ")


@pytest.mark.parametrize("endpoint", [*BAD_ENDPOINTS, "ftp://127.0.0.1/x", "http://h/\x1b[2J"])
def test_every_configurable_endpoint_is_checked_by_one_rule(endpoint: str) -> None:
    """Federation, container, IMDS and the endpoints botocore reads (SSO, SSO OIDC,
    sign-in, IAM) refuse the same URLs with a one-line error, before any request."""
    checks = [
        lambda: federation_endpoint(PARTITIONS["aws"], {"ROLECHAIN_FEDERATION_ENDPOINT": endpoint}),
        lambda: ContainerProvider({"AWS_CONTAINER_CREDENTIALS_FULL_URI": endpoint}).url(),
        lambda: InstanceMetadataProvider({}, endpoint=endpoint).endpoint(),
        lambda: environment_endpoint({"AWS_ENDPOINT_URL_SSO_OIDC": endpoint}, "SSO_OIDC"),
        lambda: environment_endpoint({"AWS_ENDPOINT_URL": endpoint}, "SIGNIN"),
    ]
    for check in checks:
        with pytest.raises(ResolverError) as caught:
            check()
        assert "\n" not in str(caught.value) and "\x1b" not in str(caught.value)


EXCEPTIONS = st.sampled_from(
    [ValueError, KeyError, RuntimeError, http.client.InvalidURL, OSError, TypeError]
)
secret_values = st.text(
    alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=12, max_size=60
)


@fuzz_settings(default=50)
@given(kind=EXCEPTIONS, key=secret_values, token=secret_values, noise=hostile_text)
def test_any_escaping_exception_is_one_line_without_secrets(
    kind: type[Exception], key: str, token: str, noise: str
) -> None:
    """An exception of any class whose message (and chained cause) carries the secrets of
    credentials the process holds, raw and encoded, as the InvalidURL did: one line naming
    the class and nothing else without --debug; a scrubbed traceback with it."""
    # A secret that the harmless text already contains cannot be told apart from it.
    assume(not any(secret in noise for secret in (key, token)))
    Credentials("AKIDEXAMPLE", key, token)  # the process now holds them
    query = urlencode({"Session": json.dumps({"sessionKey": key, "sessionToken": token})})

    def command(args: object, ctx: object) -> int:
        try:
            raise kind(f"{noise} http://x/federation?{query} {key!r}")
        except Exception as exc:
            raise kind(f"during: {token} {noise}") from exc

    for debug in ([], ["--debug"]):
        with pytest.MonkeyPatch.context() as patch, captured() as (out, err):
            patch.setattr("resolver.cli.cmd_schema.run", command)
            status = cli.run([*debug, "schema"])
        assert status == 70 and out.getvalue() == ""
        text = err.getvalue()
        assert text.endswith(f"rolechain: error: internal error ({kind.__name__}); " + (
            "the traceback above is scrubbed of secrets\n" if debug
            else "run with --debug for the traceback\n"
        ))  # fmt: skip
        assert not any(form in text for s in (key, token) for form in encodings(s))
        if not debug:
            assert text.count("\n") == 1


def test_query_fields_are_scrubbed_even_when_never_remembered() -> None:
    unseen = "never-registered-" + secrets.token_hex(8)
    for text in (
        f"GET /x?SigninToken={unseen}&a=1",
        urlencode({"Session": json.dumps({"sessionKey": unseen})}),
        f"Password: {unseen}",
        f'{{"SessionToken": "{unseen}"}}',
    ):
        assert unseen not in scrub(text)


@fuzz_settings()
@given(st.data(), st.sampled_from(["SessionToken", "Password", "sessionKey", "Token"]))
def test_a_remembered_secret_overlapping_a_field_hides_neither(
    data: st.DataObject, field: str
) -> None:
    """CI stop 26: a remembered secret equal to part of a field's name was replaced first,
    so the field's value was no longer found. Spans are now found in the original text."""
    unseen = "never-registered-" + secrets.token_hex(8)
    texts = [
        f'{{"{field}": "{unseen}"}}',
        f"{field}={unseen}&a=1",
        f"{field}: {unseen}",
        urlencode({"Session": json.dumps({field: unseen})}),
    ]
    text = data.draw(st.sampled_from(texts))
    start = data.draw(st.integers(0, len(text) - 6))
    stop = data.draw(st.integers(start + 6, len(text)))
    secret = text[start:stop]
    seen = dict(errors._SEEN)
    try:
        remember(secret)
        scrubbed = scrub(text)
    finally:  # a fragment such as '": "' must not stay remembered for other tests
        errors._SEEN.clear()
        errors._SEEN.update(seen)
    assert unseen not in scrubbed and secret not in scrubbed


def test_a_value_beginning_or_holding_angle_brackets_is_scrubbed_whole() -> None:
    for value in ("<abc-secret-value>", "abc<def-secret"):
        assert "secret" not in scrub(f"Password={value}")


def test_a_remembered_mfa_code_is_scrubbed_only_as_a_whole_number() -> None:
    remember("428133")
    assert scrub("code 428133 for account 114281330000") == (
        "code <redacted> for account 114281330000"
    )


def test_an_unexpected_os_error_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """The entry once re-raised an OSError that was not a failed write, with a traceback."""

    def command(args: object, ctx: object) -> int:
        raise PermissionError(13, "Permission denied", "/secret/path")

    monkeypatch.setattr("resolver.cli.cmd_schema.run", command)
    with captured() as (_, err):
        status = cli.run(["schema"])
    assert status == 70
    assert err.getvalue() == (
        "rolechain: error: internal error (PermissionError); run with --debug for the traceback\n"
    )


class captured:
    """stdout and stderr swapped for StringIO (a hypothesis test cannot use capsys)."""

    def __enter__(self) -> tuple[io.StringIO, io.StringIO]:
        self.saved = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = io.StringIO(), io.StringIO()
        return sys.stdout, sys.stderr

    def __exit__(self, *exc: object) -> None:
        sys.stdout, sys.stderr = self.saved


def test_a_failing_completion_keypress_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """The completion shortcut runs before the CLI: it is under the same last line."""

    def names(*args: object) -> list[str]:
        raise ValueError("SessionToken=FwoGZXIvYXdzEXAMPLE")

    monkeypatch.setattr("resolver.cli.names.profile_names", names)
    with captured() as (out, err):
        status = cli.run(["__complete-profiles"])
    assert status == 70
    assert out.getvalue() == ""
    assert err.getvalue() == (
        "rolechain: error: internal error (ValueError); run with --debug for the traceback\n"
    )
