"""The IAM Roles Anywhere base end to end: ``rolechain export`` against a local
CreateSession endpoint that verifies each SigV4-X509 signature with the presented
certificate and its chain to a test CA, then AssumeRole hops on moto signed with the
Roles Anywhere session; each failure is one line without a secret."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from resolver.cli.main import main
from tests.conftest import IsolatedEnv
from tests.hostile import fuzz_settings, hostile_text
from tests.keyring_backend import file_keyring
from tests.moto_support import MotoServer
from tests.providers.bases import rolesanywhere_fakes as fakes

__all__ = ["file_keyring"]
HOP = f"arn:aws:iam::{fakes.ACCOUNT}:role/deploy"
ADMIN = f"arn:aws:iam::{fakes.ACCOUNT}:role/admin"


def profile_lines(identity: fakes.Identity, name: str = "ra", **extra: str) -> list[str]:
    lines = [
        f"[profile {name}]",
        f"role_arn = {fakes.ROLE}",
        f"roles_anywhere_certificate = {identity.certificate}",
        f"roles_anywhere_private_key = {identity.private_key}",
        f"roles_anywhere_trust_anchor_arn = {fakes.TRUST_ANCHOR}",
        f"roles_anywhere_profile_arn = {fakes.PROFILE}",
    ]
    if identity.chain:
        lines.append(f"roles_anywhere_certificate_chain = {identity.chain}")
    return lines + [f"{key} = {value}" for key, value in extra.items()]


def use_config(env: IsolatedEnv, lines: list[str]) -> None:
    from resolver.api import clear

    env.aws_config_file.parent.mkdir(parents=True, exist_ok=True)
    env.aws_config_file.write_text("\n".join(lines) + "\n")
    clear()  # this process's chains are rechecked against the files only every few seconds


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def export(capsys: pytest.CaptureFixture[str], profile: str) -> dict[str, str]:
    status, out, err = run(capsys, "export", profile, "--format", "credential-process")
    assert status == 0, err
    document: dict[str, str] = json.loads(out)
    return document


@pytest.mark.parametrize(
    ("make_key", "algorithm", "intermediate"),
    [
        (fakes.rsa_key, "AWS4-X509-RSA-SHA256", False),
        (fakes.ec_key, "AWS4-X509-ECDSA-SHA256", False),
        (fakes.ec_key, "AWS4-X509-ECDSA-SHA256", True),
    ],
    ids=["rsa", "ec", "ec-with-chain"],
)
def test_create_session_is_signed_as_the_service_verifies(
    capsys: pytest.CaptureFixture[str],
    isolated_env: IsolatedEnv,
    tmp_path: Path,
    ca: fakes.Authority,
    endpoint: fakes.Endpoint,
    make_key: object,
    algorithm: str,
    intermediate: bool,
) -> None:
    issuer, chain = ca, ()
    if intermediate:
        key = fakes.ec_key()
        sub = fakes.Authority("Sub CA", key, ca.issue("Sub CA", key, ca=True))
        issuer, chain = sub, (sub.certificate,)
    identity = fakes.write_identity(tmp_path / "pki", issuer, make_key(), chain=chain)  # type: ignore[operator]
    use_config(isolated_env, profile_lines(identity, roles_anywhere_session_duration="2h"))
    credentials = export(capsys, "ra")
    [request] = endpoint.requests
    assert request["problem"] is None  # the signature and the chain verified
    assert request["path"] == "/sessions"
    assert request["headers"]["authorization"].startswith(
        f"{algorithm} Credential={identity.serial}/"
    )
    assert ("x-amz-x509-chain" in request["headers"]) is intermediate
    assert json.loads(request["body"]) == {
        "durationSeconds": 7200,
        "profileArn": fakes.PROFILE,
        "roleArn": fakes.ROLE,
        "trustAnchorArn": fakes.TRUST_ANCHOR,
    }
    [session] = endpoint.sessions
    assert credentials["AccessKeyId"] == session.access_key_id
    assert credentials["SessionToken"] == session.session_token


def test_the_fake_endpoint_refuses_a_tampered_request(tmp_path: Path, ca: fakes.Authority) -> None:
    """The endpoint's check is real: the same signed headers over another body fail."""
    from datetime import datetime, timezone

    from resolver.providers import x509
    from resolver.providers.x509_signing import signed_headers

    identity = fakes.write_identity(tmp_path / "pki", ca, fakes.ec_key())
    certificate = x509.load_certificate(str(identity.certificate))
    key = x509.load_private_key(str(identity.private_key), None)
    body = b'{"durationSeconds":3600}'
    headers = signed_headers(
        url="http://127.0.0.1:1/sessions",
        body=body,
        headers={"Content-Type": "application/json"},
        certificate=certificate,
        chain=[],
        key=key,
        region=fakes.REGION,
        now=datetime.now(timezone.utc),
    )
    lowered = {name.lower(): value for name, value in headers.items()}
    endpoint = fakes.Endpoint(ca)
    assert fakes.verify(endpoint, "/sessions", lowered, body) is None
    tampered = fakes.verify(endpoint, "/sessions", lowered, body.replace(b"3600", b"43200"))
    assert tampered == "Signature validation failed"
    assert fakes.verify(fakes.Endpoint(fakes.new_ca()), "/sessions", lowered, body)


def test_hops_follow_the_roles_anywhere_base_with_their_own_tags(
    capsys: pytest.CaptureFixture[str],
    isolated_env: IsolatedEnv,
    tmp_path: Path,
    ca: fakes.Authority,
    endpoint: fakes.Endpoint,
    moto: MotoServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", moto.url)
    identity = fakes.write_identity(tmp_path / "pki", ca, fakes.rsa_key())
    lines = [
        *profile_lines(identity),
        "[profile deploy]",
        f"role_arn = {HOP}",
        "source_profile = ra",
        "session_tags = team=data,env=prod",
        "transitive_session_tags = team",
        "[profile admin]",
        f"role_arn = {ADMIN}",
        "source_profile = deploy",
        "session_tags = ticket=T-42",
    ]
    use_config(isolated_env, lines)
    final = export(capsys, "admin")
    calls = moto.sts_calls()
    assert [call.action for call in calls] == ["AssumeRole", "AssumeRole"]
    [session] = endpoint.sessions
    assert calls[0].access_key_id == session.access_key_id  # signed by Roles Anywhere's keys
    assert calls[0].session_token == session.session_token
    assert calls[0].params["RoleArn"] == HOP
    assert calls[0].tags == {"team": "data", "env": "prod"}
    assert calls[0].transitive_tag_keys == ["team"]
    assert calls[1].params["RoleArn"] == ADMIN and calls[1].tags == {"ticket": "T-42"}
    assert calls[1].access_key_id not in (None, session.access_key_id)
    assert final["AccessKeyId"] not in (session.access_key_id, calls[1].access_key_id)
    # a second run is served from the cache: no second CreateSession, no STS call
    export(capsys, "admin")
    assert (len(endpoint.requests), len(moto.sts_calls())) == (1, 2)
    # a new certificate (same path) is a new base: CreateSession again
    fakes.write_identity(tmp_path / "pki", ca, fakes.rsa_key())
    export(capsys, "ra")
    assert len(endpoint.requests) == 2


def test_an_encrypted_key_takes_its_passphrase_from_the_keyring(
    capsys: pytest.CaptureFixture[str],
    isolated_env: IsolatedEnv,
    tmp_path: Path,
    ca: fakes.Authority,
    endpoint: fakes.Endpoint,
    file_keyring: Path,
) -> None:
    import keyring

    identity = fakes.write_identity(
        tmp_path / "pki", ca, fakes.ec_key(), passphrase=fakes.PASSPHRASE
    )
    keyring.set_password("rolechain", "roles-anywhere:ra", fakes.PASSPHRASE)
    use_config(isolated_env, profile_lines(identity, roles_anywhere_passphrase_source="keyring"))
    export(capsys, "ra")
    assert [request["problem"] for request in endpoint.requests] == [None]
    keyring.set_password("rolechain", "roles-anywhere:ra", "not-the-passphrase-123")
    status, out, err = run(capsys, "--no-cache", "export", "ra", "--format", "credential-process")
    assert status != 0 and out == ""
    assert "wrong passphrase" in err and len(err.strip().splitlines()) == 1
    assert "not-the-passphrase-123" not in err and fakes.PASSPHRASE not in err


def one_line_failure(capsys: pytest.CaptureFixture[str], profile: str = "ra") -> str:
    status, out, err = run(capsys, "export", profile, "--format", "credential-process")
    assert status != 0 and out == "", (out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def no_secret_in(text: str, identity: fakes.Identity) -> None:
    for line in identity.key_pem.decode().splitlines()[1:-1]:
        assert line not in text
    assert fakes.PASSPHRASE not in text


def test_each_failure_is_one_line_without_secrets(
    capsys: pytest.CaptureFixture[str],
    isolated_env: IsolatedEnv,
    tmp_path: Path,
    ca: fakes.Authority,
    endpoint: fakes.Endpoint,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    good = fakes.write_identity(tmp_path / "good", ca, fakes.rsa_key())
    use_config(isolated_env, profile_lines(good))
    # the service refuses: its message and code, one line
    endpoint.mode = "deny"
    line = one_line_failure(capsys)
    assert "HTTP 403" in line and "AccessDeniedException" in line
    assert "Role is not allowed for this profile" in line
    # a malformed answer
    endpoint.mode = "malformed"
    line = one_line_failure(capsys)
    assert "not a credential set" in line
    # an answer past the bound
    endpoint.mode = "huge"
    assert "the answer is larger than 65536 bytes" in one_line_failure(capsys)
    # a bad signature: the service says so
    endpoint.mode = "ok"
    from resolver.providers import x509_signing

    with monkeypatch.context() as patched:
        patched.setattr(x509_signing, "signature", lambda key, data: b"\x30\x06" + bytes(6))
        line = one_line_failure(capsys)
    assert "Signature validation failed" in line and "HTTP 403" in line
    sent = len(endpoint.requests)
    # an expired certificate is refused before any request
    expired = fakes.write_identity(
        tmp_path / "expired", ca, fakes.ec_key(), not_after=fakes.NOW - timedelta(hours=1)
    )
    use_config(isolated_env, profile_lines(expired))
    assert "the certificate expired at" in one_line_failure(capsys)
    # a key that is not the certificate's
    other = fakes.write_identity(tmp_path / "other", ca, fakes.rsa_key())
    mismatched = fakes.Identity(good.certificate, other.private_key, None, other.key_pem)
    use_config(isolated_env, profile_lines(mismatched))
    line = one_line_failure(capsys)
    assert "does not belong to the certificate" in line
    no_secret_in(line, other)
    # an oversized certificate file
    big = tmp_path / "good" / "big.pem"
    big.write_bytes(good.certificate.read_bytes() * 100)
    use_config(isolated_env, profile_lines(fakes.Identity(big, good.private_key, None, b"")))
    assert "larger than 65536 bytes" in one_line_failure(capsys)
    # an encrypted key with no terminal to ask on
    locked = fakes.write_identity(
        tmp_path / "locked", ca, fakes.ec_key(), passphrase=fakes.PASSPHRASE
    )
    use_config(isolated_env, profile_lines(locked))
    monkeypatch.setattr(
        "resolver.providers.bases.keyring_prompt._open_terminal",
        lambda: (_ for _ in ()).throw(
            __import__("resolver.providers.bases.keyring_prompt", fromlist=["x"]).NoPasswordPrompt(
                "there is no terminal to ask on"
            )
        ),
    )
    line = one_line_failure(capsys)
    assert "encrypted" in line and "roles_anywhere_passphrase_source = keyring" in line
    assert len(endpoint.requests) == sent  # none of these reached the service
    no_secret_in(line, locked)


def test_a_key_in_a_directory_others_can_write_is_refused(
    capsys: pytest.CaptureFixture[str],
    isolated_env: IsolatedEnv,
    tmp_path: Path,
    ca: fakes.Authority,
    endpoint: fakes.Endpoint,
) -> None:
    identity = fakes.write_identity(tmp_path / "open", ca, fakes.ec_key())
    (tmp_path / "open").chmod(0o777)
    use_config(isolated_env, profile_lines(identity))
    line = one_line_failure(capsys)
    assert "writable by others" in line and endpoint.requests == []


def test_the_generic_endpoint_variable_and_a_bad_one(
    capsys: pytest.CaptureFixture[str],
    isolated_env: IsolatedEnv,
    tmp_path: Path,
    ca: fakes.Authority,
    endpoint: fakes.Endpoint,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    identity = fakes.write_identity(tmp_path / "pki", ca, fakes.ec_key())
    use_config(isolated_env, profile_lines(identity))
    monkeypatch.delenv("AWS_ENDPOINT_URL_ROLESANYWHERE")
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint.url)
    export(capsys, "ra")
    assert len(endpoint.requests) == 1
    monkeypatch.setenv("AWS_ENDPOINT_URL_ROLESANYWHERE", "ftp://nowhere")
    line = one_line_failure(capsys)
    assert "AWS_ENDPOINT_URL_ROLESANYWHERE" in line and "expected http:// or https://" in line


def test_without_cryptography_the_error_names_the_extra(
    capsys: pytest.CaptureFixture[str],
    isolated_env: IsolatedEnv,
    tmp_path: Path,
    ca: fakes.Authority,
    endpoint: fakes.Endpoint,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import sys

    identity = fakes.write_identity(tmp_path / "pki", ca, fakes.ec_key())
    use_config(isolated_env, profile_lines(identity))
    monkeypatch.setitem(sys.modules, "cryptography", None)
    line = one_line_failure(capsys)
    assert "pip install 'cryptography>=42'" in line and "'.[rolesanywhere]'" in line
    from resolver.errors import ProviderError
    from resolver.providers import x509

    with pytest.raises(ProviderError) as caught:
        x509.cryptography_module()
    assert caught.value.reason == "cryptography-missing" and endpoint.requests == []


ANSWER_KEYS = [
    "credentialSet",
    "credentials",
    "accessKeyId",
    "secretAccessKey",
    "sessionToken",
    "expiration",
    "message",
]
SAFE_WORDS = {"Roles Anywhere CreateSession", "credential", "the answer"}


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | hostile_text,
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(hostile_text | st.sampled_from(ANSWER_KEYS), children, max_size=4)
    ),
    max_leaves=12,
)


@fuzz_settings()
@given(document=json_values, status=st.sampled_from([200, 201, 400, 403, 500]))
def test_any_answer_is_credentials_or_one_line_without_its_values(
    document: object, status: int
) -> None:
    from resolver.chain.types import RolesAnywhereSource
    from resolver.errors import ProviderError
    from resolver.providers.bases.roles_anywhere import RolesAnywhereProvider

    source = RolesAnywhereSource(
        "ra", fakes.ROLE, "/c.pem", "/k.pem", fakes.TRUST_ANCHOR, fakes.PROFILE
    )
    provider = RolesAnywhereProvider(source, paths={}, environ={})
    body = json.dumps(document).encode()
    try:
        if status in (200, 201):
            provider._credentials(body)
            return
        raise provider._http_error(status, {}, body)
    except ProviderError as exc:
        text = str(exc)
    assert "\n" not in text and len(text) < 600
    if status in (200, 201):  # an answer that may hold secrets is never quoted
        for value in strings_in(document):
            if len(value) >= 8 and value not in SAFE_WORDS:
                assert value not in text


def strings_in(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (*strings_in(k), *strings_in(v))]
    if isinstance(value, list):
        return [s for item in value for s in strings_in(item)]
    return []


def test_a_silent_endpoint_is_one_line_within_the_deadline(
    capsys: pytest.CaptureFixture[str],
    isolated_env: IsolatedEnv,
    tmp_path: Path,
    ca: fakes.Authority,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import socket

    from resolver.providers.bases import roles_anywhere

    identity = fakes.write_identity(tmp_path / "pki", ca, fakes.ec_key())
    use_config(isolated_env, profile_lines(identity))
    monkeypatch.setattr(roles_anywhere, "REQUEST_SECONDS", 0.5)
    with socket.socket() as listener:  # accepts (the backlog) and never answers
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        port = listener.getsockname()[1]
        monkeypatch.setenv("AWS_ENDPOINT_URL_ROLESANYWHERE", f"http://127.0.0.1:{port}")
        line = one_line_failure(capsys)
    assert "no answer from" in line and "timed out" in line
