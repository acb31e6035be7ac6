"""The peers measured beside boto3 and rolechain: awsume and aws-export-credentials.

Both come from PyPI and resolve the same 3-hop chain from the same config against the
same moto: both build their STS clients with boto3, so ``AWS_ENDPOINT_URL_STS`` points
them at it. awsume runs from the benchmark's venv (the ``bench`` extra).
aws-export-credentials 0.18.0, its latest release, fails with botocore 1.37 and later
(benkehoe/aws-export-credentials#19), so the benchmark command also gives it a venv of
its own beside the main one, ``.venv-bench-aec``, with the last boto3/botocore it works
with (``boto3<1.37``); it runs from there when that venv has it, else from the
benchmark's venv. Before a peer is measured it is probed once from each place it is
installed, its own venv first: it must exit 0, make exactly the chain's AssumeRole calls
(moto's recorder: roles a, b, c in that order) and print credentials that moto itself
accepts (``GetCallerIdentity`` with them names role c). The first place that passes is
the one measured; a peer that passes nowhere is reported with the reasons, never measured.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import shlex
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from workspace import ACCOUNT, BIN, CHAIN_PROFILE, Env, Workspace

CHECKOUT = Path(__file__).resolve().parents[1]  # where the benchmark command makes its venvs
CHAIN_ROLES = tuple(f"arn:aws:iam::{ACCOUNT}:role/{name}" for name in ("a", "b", "c"))
Keys = tuple[str, str, str]  # access key id, secret access key, session token


def _awsume_keys(stdout: str) -> Keys:
    """awsumepy prints ``Awsume KEY SECRET TOKEN REGION PROFILE ...`` for its shell
    wrapper (``awsume`` is a script to source, which evals these fields)."""
    fields = stdout.split()
    if len(fields) < 4 or fields[0] != "Awsume":
        raise ValueError(f"unexpected awsumepy output: {stdout[:40]!r}")
    return fields[1], fields[2], fields[3]


def _process_keys(stdout: str) -> Keys:
    """credential_process JSON (rolechain, aws-export-credentials ``--json``)."""
    document = json.loads(stdout)
    return document["AccessKeyId"], document["SecretAccessKey"], document["SessionToken"]


@dataclass(frozen=True)
class Peer:
    """A peer: its PyPI name, console script, arguments, output and cache."""

    name: str
    script: str
    args: tuple[str, ...]
    keys: Callable[[str], Keys]
    cache: str  # what it keeps between runs, for the report
    cache_args: tuple[str, ...] = ()  # added (with a path under HOME) for its warm runs
    known: str = ""  # a known reason it may fail, reported with the probe's
    venv: str = ""  # a venv of its own in the checkout, tried before the benchmark's
    bin: Path = BIN  # where its script is run from (set by the probe that passed)

    def argv(self, env: Env | None = None, warm: bool = False) -> tuple[str, ...]:
        """The command line; ``warm``: with its own cache file in ``env``'s HOME."""
        argv = (str(self.bin / self.script), *self.args)
        if warm and self.cache_args:
            if env is None:
                raise ValueError("a warm command line needs the environment's HOME")
            argv += (*self.cache_args, str(self.cache_file(env)))
        return argv

    def command_line(self) -> str:
        """The cold command line as a user types it (script name, not its path)."""
        return shlex.join((self.script, *self.args))

    def cache_file(self, env: Env) -> Path:
        return env.home / f"{self.name}-cache.json"

    def wipe_cache(self, env: Env) -> None:
        """Forget whatever it cached in ``env`` (its cache file and its cache dirs)."""
        self.cache_file(env).unlink(missing_ok=True)
        xdg_cache = Path(env.vars["XDG_CACHE_HOME"])
        for directory in (xdg_cache / "awsume", env.home / ".awsume" / "cache"):
            shutil.rmtree(directory, ignore_errors=True)


PEERS = (
    Peer(
        name="awsume",
        script="awsumepy",  # `awsume` itself is a bash wrapper to be sourced
        args=(CHAIN_PROFILE,),
        keys=_awsume_keys,
        cache="none for role chains: its cache holds only GetSessionToken sessions of "
        "MFA profiles, so every run assumes every role again",
    ),
    Peer(
        name="aws-export-credentials",
        script="aws-export-credentials",
        args=("--profile", CHAIN_PROFILE, "--json"),
        keys=_process_keys,
        cache="the final credentials in the file given to `--cache-file` (none without it)",
        cache_args=("--cache-file",),
        known="0.18.0, the latest release, fills its own 4-field tuple with botocore's "
        "ReadOnlyCredentials plus an expiry, and ReadOnlyCredentials gained a fourth field "
        "(account_id) in botocore 1.37: it runs with botocore < 1.37 only, which the "
        "benchmark command installs for it in `.venv-bench-aec` "
        "(upstream: benkehoe/aws-export-credentials#19)",
        venv=".venv-bench-aec",
    ),
)


def places(peer: Peer, checkout: Path = CHECKOUT) -> list[Path]:
    """Where ``peer`` may run from, in the order tried: its own venv's bin (when that
    venv has its script), then the benchmark's venv's."""
    own = checkout / peer.venv / "bin"
    found = [own] if peer.venv and (own / peer.script).exists() and own != BIN else []
    return [*found, BIN]


@functools.cache
def sdk_versions(bin_dir: Path) -> str:
    """``boto3 X, botocore Y`` as installed beside the interpreter in ``bin_dir``."""
    code = (
        "from importlib.metadata import version, PackageNotFoundError\n"
        "def v(name):\n"
        "    try:\n        return version(name)\n"
        "    except PackageNotFoundError:\n        return 'absent'\n"
        "print(f\"boto3 {v('boto3')}, botocore {v('botocore')}\")"
    )
    try:
        done = subprocess.run(
            [str(bin_dir / "python"), "-I", "-c", code], capture_output=True, text=True, timeout=60
        )
    except OSError:  # no interpreter there
        return "unknown"
    return done.stdout.strip() if done.returncode == 0 else "unknown"


def check_keys(ws: Workspace, keys: Keys) -> str | None:
    """Why moto does not take ``keys`` as role c's session (None: it does). Untimed,
    and outside any recording."""
    import boto3

    client = boto3.client(
        "sts",
        endpoint_url=ws.sts.url,
        region_name="us-east-1",
        aws_access_key_id=keys[0],
        aws_secret_access_key=keys[1],
        aws_session_token=keys[2],
    )
    arn = str(client.get_caller_identity()["Arn"])
    expected = f"arn:aws:sts::{ACCOUNT}:assumed-role/c/"
    return None if arn.startswith(expected) else f"its credentials are {arn}, not role c's"


def probe(ws: Workspace, peer: Peer, env: Env) -> str | None:
    """Run ``peer`` once from cold; why it cannot be measured, or None."""
    if not (peer.bin / peer.script).exists():
        return f"not installed in {peer.bin.parent} (`pip install '.[bench]'`)"
    ws.start_recording()
    done = subprocess.run(peer.argv(), env=env.vars, capture_output=True, text=True, timeout=120)
    requests = ws.stop_recording_requests()
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        return f"exits {done.returncode} after {len(requests)} STS calls: {last}"
    roles = tuple(params.get("RoleArn", "") for params in requests)
    if roles != CHAIN_ROLES:
        return f"made STS calls for {roles}, expected {CHAIN_ROLES}"
    try:
        keys = peer.keys(done.stdout)
    except (ValueError, KeyError) as error:
        return f"unreadable output: {error}"
    return check_keys(ws, keys)


def locate(ws: Workspace, peer: Peer, checkout: Path = CHECKOUT) -> Peer | str:
    """``peer`` set to run from the first of its places whose probe passes, or why
    none did (each place's reason)."""
    reasons = []
    for bin_dir in places(peer, checkout):
        placed = dataclasses.replace(peer, bin=bin_dir)
        why = probe(ws, placed, ws.env(10, f"probe-{peer.name}"))
        if why is None:
            return placed
        reasons.append(f"from {bin_dir.parent.name}: {why}")
    return "; ".join(reasons)


_PROBED: dict[Path, dict[str, Peer | str]] = {}


def probed(ws: Workspace) -> dict[str, Peer | str]:
    """Each peer, placed where it passed its probe, or why it did not; once per workspace."""
    if ws.root not in _PROBED:
        _PROBED[ws.root] = {peer.name: locate(ws, peer) for peer in PEERS}
    return _PROBED[ws.root]


def runnable(ws: Workspace) -> list[Peer]:
    """The peers that passed their probe, each set to run from where it passed."""
    return [found for found in probed(ws).values() if isinstance(found, Peer)]


def not_runnable(ws: Workspace) -> list[str]:
    """One line per peer that failed its probe: its name and why."""
    lines = []
    for peer in PEERS:
        why = probed(ws)[peer.name]
        if isinstance(why, str):
            lines.append(f"{peer.name}: {why}" + (f". Known: {peer.known}." if peer.known else ""))
    return lines


def runs_with(peer: Peer) -> str:
    """Where ``peer`` runs from and the boto3/botocore there, for the report."""
    return f"`{peer.bin.parent.name}`: {sdk_versions(peer.bin)}"
