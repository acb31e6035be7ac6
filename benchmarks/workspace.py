"""The shared set-up: generated configs, private environments, one local STS, its recorder.

Every command runs in an environment built from scratch: no ``AWS_*`` / ``ROLECHAIN_*``
variable of the caller survives, HOME and every cache directory are private temporary
directories, and STS is a ``moto_server`` on 127.0.0.1 that records every request.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from resolver.demo.localsts import LocalSts, start_local_sts

BIN = Path(sys.executable).parent
ROLECHAIN = str(BIN / "rolechain")
AWS_CLI = str(BIN / "aws")
PYTHON = sys.executable
FLOOR = (PYTHON, "-c", "pass")
CHAIN_PROFILE = "bench-c"
STATIC_PROFILE = "bench-static"
CHAIN_HOPS = 3
ACCOUNT = "123456789012"
KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
BENCH_PROFILES = f"""\
[profile bench-user]
aws_access_key_id = {KEY_ID}
aws_secret_access_key = {SECRET}
region = us-east-1

[profile bench-a]
source_profile = bench-user
role_arn = arn:aws:iam::{ACCOUNT}:role/a

[profile bench-b]
source_profile = bench-a
role_arn = arn:aws:iam::{ACCOUNT}:role/b

[profile bench-c]
source_profile = bench-b
role_arn = arn:aws:iam::{ACCOUNT}:role/c

[profile bench-static]
aws_access_key_id = {KEY_ID}
aws_secret_access_key = {SECRET}
region = us-east-1
"""
CHAIN_LENGTHS = (1, 3, 6, 10)
MAX_HOPS = max(CHAIN_LENGTHS)
# bench-hN: static keys (bench-user), then N AssumeRole hops (roles h1 ... hN).
BENCH_PROFILES += "".join(
    f"\n[profile bench-h{n}]\nsource_profile = {'bench-user' if n == 1 else f'bench-h{n - 1}'}\n"
    f"role_arn = arn:aws:iam::{ACCOUNT}:role/h{n}\n"
    for n in range(1, MAX_HOPS + 1)
)
BENCH_PROFILE_NAMES = (
    "bench-user",
    "bench-a",
    "bench-b",
    "bench-c",
    "bench-static",
    *(f"bench-h{n}" for n in range(1, MAX_HOPS + 1)),
)


def chain_profile(hops: int) -> str:
    """The benchmark profile with ``hops`` AssumeRole hops after static keys."""
    return f"bench-h{hops}"


def config_text(fillers: int) -> str:
    """``fillers`` profiles (every 4th static keys, the others role chains), then the
    benchmark's profiles, last, so that every tool has to read the whole file."""
    lines: list[str] = []
    for index in range(fillers):
        lines.append(f"[profile p{index}]")
        if index % 4 == 0:
            lines += [f"aws_access_key_id = {KEY_ID}", "aws_secret_access_key = secret"]
            lines += ["region = us-east-1", ""]
        else:
            lines += [f"source_profile = p{index - 1}"]
            lines += [f"role_arn = arn:aws:iam::{ACCOUNT}:role/r{index}", ""]
    return "\n".join(lines) + "\n" + BENCH_PROFILES


def python_code(*lines: str) -> tuple[str, ...]:
    """argv running ``lines`` with this interpreter."""
    return (PYTHON, "-c", "\n".join(lines))


def boto3_static() -> tuple[str, ...]:
    """boto3 loading the static profile's credentials."""
    return python_code(
        "import boto3",
        f"boto3.Session(profile_name={STATIC_PROFILE!r})"
        ".get_credentials().get_frozen_credentials()",
    )


def boto3_chain(profile: str = CHAIN_PROFILE) -> tuple[str, ...]:
    """boto3 resolving a chain (one AssumeRole call per hop; the 3-hop chain by default)."""
    return python_code(
        "import boto3",
        f"boto3.Session(profile_name={profile!r}).get_credentials().get_frozen_credentials()",
    )


def rolechain_export(
    profile: str = CHAIN_PROFILE, fmt: str = "credential-process"
) -> tuple[str, ...]:
    """``rolechain export PROFILE --format FMT``."""
    return (ROLECHAIN, "export", profile, "--format", fmt)


@dataclass(frozen=True)
class Options:
    """How much to measure (see ``run.py --help``)."""

    rounds: int = 9
    large_rounds: int = 3  # for the 50,000-profile config, where botocore takes seconds
    # The warm answer is within a millisecond or two of the floor, so its median needs more
    # samples than noise of that size allows in 9 rounds; each round costs under a second.
    warm_rounds_factor: int = 3
    min_warm_rounds: int = 40  # the minimum for the warm credential_process verdict

    @property
    def warm_rounds(self) -> int:
        """Rounds for the warm-answer and memory scenarios."""
        return max(self.rounds * self.warm_rounds_factor, self.min_warm_rounds)

    sizes: tuple[int, ...] = (10, 1_000, 10_000, 50_000)
    processes: tuple[int, ...] = (1, 8, 32)
    calls: int = 100_000  # in-process calls per batch
    batches: int = 5
    threads: int = 32


@dataclass(frozen=True)
class Env:
    """One private environment: its variables and the directories they name."""

    vars: dict[str, str]
    home: Path
    cache_dir: Path

    def wipe_cache(self) -> None:
        """Empty rolechain's cache directory (and the AWS CLI's, under HOME)."""
        shutil.rmtree(self.cache_dir, ignore_errors=True)
        shutil.rmtree(self.home / ".aws", ignore_errors=True)
        self.cache_dir.mkdir(parents=True)


def sts_requests(recording: str) -> list[dict[str, str]]:
    """The parameters (query string and form body) of every STS request in moto's
    recorder file, in order."""
    requests: list[dict[str, str]] = []
    for line in recording.splitlines():
        if not line.strip():
            continue
        entry = json.loads(line)
        body = entry.get("body") or ""
        raw = base64.b64decode(body) if entry.get("body_encoded") else str(body).encode()
        params = dict(parse_qsl(urlsplit(entry.get("url", "")).query))
        params.update(parse_qsl(raw.decode("utf-8", errors="replace")))
        if params.get("Version") == "2011-06-15" and "Action" in params:
            requests.append(params)
    return requests


def sts_actions(recording: str) -> Counter[str]:
    """STS actions in moto's recorder file, counted."""
    return Counter(params["Action"] for params in sts_requests(recording))


class Workspace:
    """Temporary files and the shared local STS for one benchmark run."""

    def __init__(self, root: Path, sts: LocalSts) -> None:
        self.root = root
        self.sts = sts
        self.credentials = root / "credentials"
        self.rolechain_config = root / "rolechain.toml"
        self.credentials.write_text("")
        self.rolechain_config.write_text("")
        self._configs: dict[int, Path] = {}
        self._envs = 0

    def config(self, fillers: int) -> Path:
        """The shared config file with ``fillers`` filler profiles (written once)."""
        if fillers not in self._configs:
            path = self.root / f"config-{fillers}"
            path.write_text(config_text(fillers))
            self._configs[fillers] = path
        return self._configs[fillers]

    def env(self, fillers: int, name: str, sts_url: str | None = None, **extra: str) -> Env:
        """A new, cold environment (fresh HOME and caches) reading config ``fillers``;
        STS at ``sts_url`` (default: the shared local STS), plus ``extra`` variables."""
        self._envs += 1
        base = self.root / "envs" / f"{self._envs:03d}-{name.replace(' ', '-')}"
        home, cache, xdg = base / "home", base / "rolechain-cache", base / "xdg-cache"
        for directory in (home, cache, xdg):
            directory.mkdir(parents=True)
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("AWS_", "ROLECHAIN_", "PYTHON"))
        }
        env.update(
            HOME=str(home),
            AWS_CONFIG_FILE=str(self.config(fillers)),
            AWS_SHARED_CREDENTIALS_FILE=str(self.credentials),
            ROLECHAIN_CONFIG=str(self.rolechain_config),
            ROLECHAIN_CACHE_DIR=str(cache),
            XDG_CACHE_HOME=str(xdg),
            AWS_ENDPOINT_URL_STS=sts_url or self.sts.url,
            AWS_REGION="us-east-1",
            AWS_DEFAULT_REGION="us-east-1",
            AWS_EC2_METADATA_DISABLED="true",
            NO_PROXY="127.0.0.1,localhost",
            no_proxy="127.0.0.1,localhost",
        )
        env.update(extra)
        return Env(env, home, cache)

    def server_env(self) -> dict[str, str]:
        """The environment for another local server: none of the caller's AWS settings."""
        return {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ROLECHAIN_"))}

    def start_recording(self) -> None:
        """Forget earlier requests and record from now on."""
        self.sts.api("/moto-api/recorder/reset-recording")
        self.sts.api("/moto-api/recorder/start-recording")

    def stop_recording(self) -> Counter[str]:
        """Stop recording; the STS actions recorded since ``start_recording``."""
        return Counter(params["Action"] for params in self.stop_recording_requests())

    def stop_recording_requests(self) -> list[dict[str, str]]:
        """Stop recording; every STS request's parameters since ``start_recording``."""
        self.sts.api("/moto-api/recorder/stop-recording")
        try:
            recording = self.sts.api("/moto-api/recorder/download-recording", method="GET")
        except OSError:  # moto answers 500 while nothing was recorded
            return []
        return sts_requests(recording.decode())


@contextmanager
def open_workspace() -> Iterator[Workspace]:
    """A temporary directory and a recording local STS, both gone afterwards."""
    with tempfile.TemporaryDirectory(prefix="rolechain-bench-") as tmp:
        root = Path(tmp)
        recorder = {"MOTO_RECORDER_FILEPATH": str(root / "recording.jsonl")}
        with start_local_sts(root / "sts", env=recorder) as sts:
            yield Workspace(root, sts)
