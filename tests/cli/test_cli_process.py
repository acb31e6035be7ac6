"""The real ``rolechain`` CLI as a credential_process of its own profile: refused at once."""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import IsolatedEnv

ROLECHAIN = Path(sys.executable).parent / "rolechain"


def counting_wrapper(tmp_path: Path) -> tuple[Path, Path]:
    """A script that records each start in a file, then runs the real ``rolechain``."""
    starts = tmp_path / "starts"
    wrapper = tmp_path / "rolechain-wrapper"
    wrapper.write_text(
        "#!/bin/sh\n"
        f"echo started >> {shlex.quote(str(starts))}\n"
        f'exec {shlex.quote(str(ROLECHAIN))} "$@"\n'
    )
    wrapper.chmod(0o755)
    return wrapper, starts


def run_bounded(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run ``argv`` in its own session; kill the whole session if it outlives 60 s."""
    proc = subprocess.Popen(
        argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )  # fmt: skip
    try:
        out, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        pytest.fail(f"rolechain did not stop: {err[-500:]}")
    return subprocess.CompletedProcess(argv, proc.returncode, out, err)


@pytest.mark.parametrize("named", [True, False], ids=["profile-named", "via-AWS_PROFILE"])
def test_credential_process_calling_rolechain_for_its_own_profile(
    tmp_path: Path, isolated_env: IsolatedEnv, named: bool
) -> None:
    wrapper, starts = counting_wrapper(tmp_path)
    command = f"{wrapper} export {'selfref ' if named else ''}--format credential-process"
    isolated_env.aws_config_file.parent.mkdir(parents=True)
    isolated_env.aws_config_file.write_text(f"[profile selfref]\ncredential_process = {command}\n")
    env = dict(os.environ)
    env.pop("ROLECHAIN_RESOLVING", None)
    if not named:
        env["AWS_PROFILE"] = "selfref"

    result = run_bounded([str(ROLECHAIN), "export", "selfref"], env)

    assert result.returncode != 0
    assert "credential_process loop: selfref -> selfref" in result.stderr
    assert len(starts.read_text().splitlines()) == 1  # one nested rolechain, refused


def test_a_chain_through_another_profile_is_not_a_loop(
    tmp_path: Path, isolated_env: IsolatedEnv
) -> None:
    isolated_env.aws_config_file.parent.mkdir(parents=True)
    isolated_env.aws_config_file.write_text(
        "[profile keys]\n"
        f'credential_process = {sys.executable} -c "print(\'{{\\"Version\\": 1, '
        '\\"AccessKeyId\\": \\"AKIAKEYS\\", \\"SecretAccessKey\\": \\"s\\"}\')"\n'
        "[profile outer]\n"
        f"credential_process = {ROLECHAIN} export keys --format credential-process\n"
    )

    result = run_bounded([str(ROLECHAIN), "export", "outer", "--format", "json"], dict(os.environ))

    assert result.returncode == 0, result.stderr
    assert '"AWS_ACCESS_KEY_ID": "AKIAKEYS"' in result.stdout


@pytest.mark.parametrize(("resolving", "served"), [('["selfref"]', False), ('["other"]', True)])
def test_a_ready_answer_is_not_served_to_a_loop(
    isolated_env: IsolatedEnv, resolving: str, served: bool
) -> None:
    import time

    from resolver.cache.answers import Answer, request_key, request_text
    from resolver.cache.store import CacheStore
    from resolver.cli.fastpath import serve_export

    env = {**os.environ, "ROLECHAIN_RESOLVING": resolving}
    request = request_text("selfref", None, env)
    outputs = {"env": "export AWS_ACCESS_KEY_ID=AKIAWARM"}
    answer = Answer(request, ["selfref"], time.time() + 600, time.time() + 900, (), outputs)
    CacheStore(isolated_env.rolechain_cache_dir).write_answer(request_key(request), answer.encode())

    result = serve_export(["export", "selfref"], env)

    assert result == (outputs["env"] if served else None)
