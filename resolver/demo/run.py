"""``rolechain demo``: resolve the example chains against a local STS, hop by hop.

Everything happens in a temporary directory: the server's state, the configuration
(``profiles.toml`` beside this module, shipped as package data, with its token path
pointed there) and the cache.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from resolver.demo.recording import StsCall, sts_calls_from_recording
from resolver.errors import ResolverError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from resolver.demo.localsts import LocalSts

DEMO_PROFILES = ("demo-deploy", "demo-pod-admin")
TOKEN_PLACEHOLDER = "/var/run/secrets/rolechain-demo/token"
DEMO_TOKEN = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJkZW1vLXBvZCJ9.demo"


@contextmanager
def patched_environ(values: dict[str, str]) -> Iterator[None]:
    """Set ``values`` (and drop other AWS_* variables) for the duration of the block."""
    saved = dict(os.environ)
    for name in [n for n in os.environ if n.startswith(("AWS_", "ROLECHAIN_"))]:
        del os.environ[name]
    os.environ.update(values)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def run_demo(out: Callable[[str], None] = print) -> int:
    """Start the local STS, resolve each demo chain, print every hop's caller identity and
    what STS received for it (from the local STS's own request record)."""
    try:
        import moto.server  # noqa: F401
    except ImportError:
        raise ResolverError(
            "the demo needs moto: pip install 'moto[server]' in rolechain's environment "
            "(from a clone of rolechain: pip install '.[demo]')"
        ) from None
    from importlib.resources import files

    example = files("resolver.demo").joinpath("profiles.toml").read_text(encoding="utf-8")
    from resolver.demo.localsts import start_local_sts

    with tempfile.TemporaryDirectory(prefix="rolechain-demo-") as tmp:
        work = Path(tmp)
        token = work / "token"
        token.write_text(DEMO_TOKEN)
        config = work / "profiles.toml"
        config.write_text(example.replace(TOKEN_PLACEHOLDER, str(token)))
        out(f"starting a local STS (moto_server) in {work}")
        recording = work / "sts" / "recording.jsonl"
        with start_local_sts(work / "sts", env={"MOTO_RECORDER_FILEPATH": str(recording)}) as sts:
            sts.api("/moto-api/recorder/start-recording")
            out(f"local STS at {sts.url}\n")
            environ = {
                "AWS_CONFIG_FILE": str(work / "config"),
                "AWS_SHARED_CREDENTIALS_FILE": str(work / "credentials"),
                "ROLECHAIN_CONFIG": str(config),
                "ROLECHAIN_CACHE_DIR": str(work / "cache"),
                "AWS_ENDPOINT_URL_STS": sts.url,
                "AWS_EC2_METADATA_DISABLED": "true",
            }
            with patched_environ(environ):
                for profile in DEMO_PROFILES:
                    _show_chain(profile, out, lambda: _received(sts))
        out("local STS stopped; nothing was written outside the temporary directory")
    return 0


def _received(sts: LocalSts) -> list[StsCall]:
    """The STS calls the local STS recorded since the last time it was asked."""
    import urllib.error

    try:
        text = sts.api("/moto-api/recorder/download-recording", method="GET").decode()
    except urllib.error.HTTPError:  # moto answers 500 until something was recorded
        text = ""
    sts.api("/moto-api/recorder/reset-recording")
    sts.api("/moto-api/recorder/start-recording")
    return sts_calls_from_recording(text)


def describe_call(call: StsCall) -> list[str]:
    """What STS received for one hop, from its own record: never a secret or MFA code."""
    params = call.params
    lines = [f"{call.action} signed with key {call.access_key_id or '(unsigned)'}"]
    shown = [
        ("role", params.get("RoleArn")),
        ("session name", params.get("RoleSessionName")),
        ("duration", params.get("DurationSeconds")),
        ("external id", params.get("ExternalId")),
        ("mfa serial", params.get("SerialNumber")),
        ("mfa code", "sent (6 digits, not shown)" if params.get("TokenCode") else None),
        ("source identity", params.get("SourceIdentity")),
        ("tags", ", ".join(f"{k}={v}" for k, v in call.tags.items()) or None),
        ("transitive keys", ", ".join(call.transitive_tag_keys) or None),
        ("web identity token", "sent (not shown)" if params.get("WebIdentityToken") else None),
    ]
    lines += [f"{name}: {value}" for name, value in shown if value]
    return lines


def _show_chain(
    profile: str, out: Callable[[str], None], received: Callable[[], list[StsCall]]
) -> None:
    from resolver.api import plan, resolve
    from resolver.cli.cmd_explain import render
    from resolver.providers.sts.factory import make_sts_client, sts_target

    chain = plan(profile)
    out(render(chain))
    target = sts_target(chain.sts, os.environ)
    steps = [hop.profile for hop in chain.hops]
    if chain.source.kind == "web-identity" and chain.source.profile:
        steps.insert(0, chain.source.profile)
    received()  # start each chain's record afresh
    for step in steps:
        credentials = resolve(step)
        calls = [call for call in received() if call.action.startswith("AssumeRole")]
        identity = make_sts_client(credentials, target).get_caller_identity()
        out(f"  {step:<16} {identity['Arn']}  (key {credentials.access_key_id})")
        for call in calls:
            first, *rest = describe_call(call)
            out(f"      STS received {first}")
            out("".join(f"        {line}\n" for line in rest).rstrip("\n"))
    out("")
