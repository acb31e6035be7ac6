"""STS calls made by N parallel processes resolving one two-hop role chain.

rolechain (``rolechain export``), the AWS CLI (``aws sts get-caller-identity``) and
plain boto3 resolve the same chain (static keys -> mid -> prod) from the same INI file,
N processes at once, each tool starting cold (empty caches). A local moto_server on
127.0.0.1, started here, records every request; AssumeRole calls are counted from its
recording. Nothing leaves the loopback interface; every process has a timeout.

    .venv/bin/python benchmarks/parallel_sts_calls.py [--sizes 1 8 32] [--timeout 300]

Prints a markdown table.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from resolver.localsts import LocalSts, start_local_sts

BIN = Path(sys.executable).parent
CONFIG = """\
[profile user]
aws_access_key_id = AKIAIOSFODNN7EXAMPLE
aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
region = us-east-1

[profile mid]
source_profile = user
role_arn = arn:aws:iam::123456789012:role/mid
duration_seconds = 3600

[profile prod]
source_profile = mid
role_arn = arn:aws:iam::123456789012:role/prod
duration_seconds = 900
"""
BOTO3 = "import boto3; boto3.Session(profile_name='prod').client('sts').get_caller_identity()"
TOOLS = {
    "rolechain": [str(BIN / "rolechain"), "export", "prod", "--format", "credential-process"],
    "AWS CLI": [str(BIN / "aws"), "sts", "get-caller-identity", "--profile", "prod"],
    "boto3": [sys.executable, "-c", BOTO3],
}


@dataclass
class Result:
    tool: str
    processes: int
    assume_role: int
    other_sts: int
    failures: int
    seconds: float


def sts_actions(recording: str) -> Counter[str]:
    """STS actions in moto's recorder file (query string and form body)."""
    actions: Counter[str] = Counter()
    for line in recording.splitlines():
        if not line.strip():
            continue
        entry = json.loads(line)
        body = entry.get("body") or ""
        raw = base64.b64decode(body) if entry.get("body_encoded") else str(body).encode()
        params = dict(parse_qsl(urlsplit(entry.get("url", "")).query))
        params.update(parse_qsl(raw.decode("utf-8", errors="replace")))
        if params.get("Version") == "2011-06-15" and "Action" in params:
            actions[params["Action"]] += 1
    return actions


def environment(home: Path, sts: LocalSts) -> dict[str, str]:
    """A private, cold environment: config in ``home``, STS at the local server."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ROLECHAIN_"))}
    (home / "rolechain.toml").write_text("version = 1\n")
    env.update(
        HOME=str(home),
        AWS_CONFIG_FILE=str(home.parent / "config"),
        AWS_SHARED_CREDENTIALS_FILE=str(home.parent / "credentials"),
        AWS_ENDPOINT_URL_STS=sts.url,
        AWS_REGION="us-east-1",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_EC2_METADATA_DISABLED="true",
        ROLECHAIN_CONFIG=str(home / "rolechain.toml"),
        ROLECHAIN_CACHE_DIR=str(home / "rolechain-cache"),
        XDG_CACHE_HOME=str(home / "xdg-cache"),
        NO_PROXY="127.0.0.1,localhost",
        no_proxy="127.0.0.1,localhost",
    )
    return env


def run_batch(command: Sequence[str], count: int, env: dict[str, str], timeout: float) -> int:
    """Start ``count`` copies at once; returns how many failed."""
    started = [
        subprocess.Popen(
            command,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for _ in range(count)
    ]
    failures = 0
    deadline = time.monotonic() + timeout
    for process in started:
        try:
            _, err = process.communicate(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            failures += 1
            continue
        if process.returncode != 0:
            failures += 1
            sys.stderr.write(err.decode(errors="replace")[-500:])
    return failures


def measure(
    sts: LocalSts, tool: str, count: int, home: Path, timeout: float, label: str | None = None
) -> Result:
    sts.api("/moto-api/recorder/reset-recording")
    sts.api("/moto-api/recorder/start-recording")
    started = time.monotonic()
    failures = run_batch(TOOLS[tool], count, environment(home, sts), timeout)
    seconds = time.monotonic() - started
    sts.api("/moto-api/recorder/stop-recording")
    try:
        recording = sts.api("/moto-api/recorder/download-recording", method="GET").decode()
    except OSError:  # moto answers 500 while nothing was recorded
        recording = ""
    actions = sts_actions(recording)
    assume = actions.pop("AssumeRole", 0)
    return Result(label or tool, count, assume, sum(actions.values()), failures, seconds)


def table(results: list[Result]) -> str:
    lines = [
        "| tool | processes | AssumeRole calls | per process | other STS calls | failed | wall s |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.tool} | {r.processes} | {r.assume_role} | {r.assume_role / r.processes:.2f} "
            f"| {r.other_sts} | {r.failures} | {r.seconds:.1f} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 8, 32], metavar="N")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per batch")
    args = parser.parse_args(argv)
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="rolechain-bench-") as tmp:
        work = Path(tmp)
        (work / "config").write_text(CONFIG)
        (work / "credentials").write_text("")
        recording = work / "recording.jsonl"
        env = {"MOTO_RECORDER_FILEPATH": str(recording)}
        with start_local_sts(work / "sts", env=env) as sts:
            print(f"local STS at {sts.url}; {os.cpu_count()} CPUs", file=sys.stderr)
            for count in args.sizes:
                for tool in TOOLS:
                    home = work / f"{tool.replace(' ', '-')}-{count}"
                    home.mkdir()
                    print(f"{tool}: {count} processes...", file=sys.stderr)
                    results.append(measure(sts, tool, count, home, args.timeout))
                    if tool == "rolechain":  # the same N again, cache warm
                        label = "rolechain (warm)"
                        results.append(measure(sts, tool, count, home, args.timeout, label))
    print(table(results))
    return 1 if any(r.failures for r in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
