"""Ready answers: the warm ``export`` path that imports nothing heavy
(``resolver.cache.answers``, served by ``resolver.cli.fastpath``).

Unit tests cover the request, the file format and when an answer may be served; the
end-to-end tests run the real CLI against moto_server and prove, with ``-X importtime``
and moto's recorder, that a warm call touches neither botocore nor pydantic nor STS, and
that any change to the configuration, the environment or the cache sends it down the
full path.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import platformdirs
import pytest

from resolver.cache.answers import Answer, read_answer, request_key, request_text
from resolver.cache.stamps import files_stamp
from resolver.cache.store import CacheStore
from resolver.cli.fastpath import serve_export
from resolver.context import cache_directory
from tests.cache.test_parallel_processes import EXPORT, ROOT, cli_env, run_cli, write_ini
from tests.conftest import IsolatedEnv
from tests.moto_support import TEST_SECRET_ACCESS_KEY, MotoServer

PLANNER = "resolver.chain.planner"  # a run that plans the chain took the full path
HEAVY = ("boto3", "botocore", "pydantic", "argparse", "typing", "json", "re", "datetime")
HEAVY += ("dataclasses", "inspect")  # resolver.context's Context: not on the warm path


# --- the request ------------------------------------------------------------------------


def test_request_text_keys_what_matters_and_hides_secrets(tmp_path: Path) -> None:
    environ = {
        "AWS_ACCESS_KEY_ID": "AKIAEXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "very-secret",
        "AWS_SESSION_TOKEN": "session-secret",
        "AWS_CONTAINER_AUTHORIZATION_TOKEN": "container-secret",
        "AWS_WEB_IDENTITY_TOKEN_FILE": "token",
        "AWS_CONFIG_FILE": "conf/config",
        "HOME": str(tmp_path),
        "PATH": "/usr/bin",
    }
    text = request_text("prod", "r.toml", environ)
    for secret in ("very-secret", "session-secret", "container-secret"):
        assert secret not in text
    assert "AWS_SECRET_ACCESS_KEY=set" in text and "AKIAEXAMPLE" in text
    assert f"AWS_CONFIG_FILE={os.path.abspath('conf/config')}" in text
    assert f"AWS_WEB_IDENTITY_TOKEN_FILE={os.path.abspath('token')}" in text
    assert f"config {os.path.abspath('r.toml')}" in text
    assert request_text("prod", "r.toml", {**environ, "PATH": "/bin"}) == text
    for changed in ({"AWS_REGION": "eu-west-1"}, {"ROLECHAIN_CACHE_DIR": "/x"}, {"HOME": "/"}):
        assert request_text("prod", "r.toml", {**environ, **changed}) != text
    assert request_text("other", "r.toml", environ) != text
    assert request_text("prod", None, environ) != text


def test_request_key_is_the_same_in_every_process() -> None:
    text = request_text("prod", None, {"AWS_REGION": "eu-west-1"})
    code = (
        "from resolver.cache.answers import request_key, request_text;"
        "print(request_key(request_text('prod', None, {'AWS_REGION': 'eu-west-1'})))"
    )
    keys = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "PYTHONHASHSEED": seed},
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for seed in ("0", "1", "random")
    }
    assert keys == {request_key(text)}
    assert len(request_key(text)) == 16 and request_key(text + "x") != request_key(text)


# --- the file ---------------------------------------------------------------------------


def sample(tmp_path: Path, **changes: object) -> Answer:
    config = tmp_path / "dir with space" / "config ü"
    config.parent.mkdir(exist_ok=True)
    config.write_text("[profile p]\n")
    fields: dict[str, object] = {
        "request": "rolechain answer 1 0.1.0\nprofile p",
        "profiles": ["user", "p"],
        "refresh_at": time.time() + 600,
        "expires": time.time() + 900,
        "stamp": files_stamp([config, tmp_path / "missing"]),
        "outputs": {"env": "export A=1\nexport B=2", "credential-process": '{"Version": 1}'},
    }
    fields.update(changes)
    return Answer(**fields)  # type: ignore[arg-type]


def test_answer_round_trips_and_every_truncation_is_rejected(tmp_path: Path) -> None:
    answer = sample(tmp_path)
    data = answer.encode()
    back = Answer.decode(data)
    assert (back.request, back.profiles, back.stamp, back.outputs) == (
        answer.request,
        answer.profiles,
        answer.stamp,
        answer.outputs,
    )
    assert (back.refresh_at, back.expires) == (answer.refresh_at, answer.expires)
    assert back.stamp[1][2:] == (-1,) * 5  # the missing file is part of the stamp
    for cut in range(len(data)):
        with pytest.raises((ValueError, KeyError)):
            Answer.decode(data[:cut])
    with pytest.raises(ValueError):
        sample(tmp_path, profiles=["bad\nname"]).encode()


def test_servable_until_refresh_and_while_files_are_unchanged(tmp_path: Path) -> None:
    answer = sample(tmp_path)
    config, missing = (Path(entry[0]) for entry in answer.stamp)
    now = time.time()
    assert answer.servable(answer.request, now, os.environ)
    assert not answer.servable(answer.request + "x", now, os.environ)
    assert not answer.servable(answer.request, answer.refresh_at, os.environ)
    missing.write_text("")  # a file that appears
    assert not answer.servable(answer.request, now, os.environ)
    missing.unlink()
    assert answer.servable(answer.request, now, os.environ)
    config.write_text("[profile p]\nregion = x\n")  # an edit
    assert not answer.servable(answer.request, now, os.environ)
    info = config.stat()
    config.write_text("[profile p]\n")  # same size as the original, new mtime
    os.utime(config, ns=(info.st_atime_ns, info.st_mtime_ns + 1_000_000))
    assert not answer.servable(answer.request, now, os.environ)


def test_read_answer_accepts_only_private_regular_files(tmp_path: Path) -> None:
    path = tmp_path / "a.answer"
    path.write_bytes(sample(tmp_path).encode())
    path.chmod(0o600)
    assert read_answer(str(path)) is not None
    path.chmod(0o644)
    assert read_answer(str(path)) is None
    path.chmod(0o600)
    link = tmp_path / "link.answer"
    link.symlink_to(path)
    assert read_answer(str(link)) is None
    path.write_bytes(b"rolechain answer 1\nnonsense\n")
    assert read_answer(str(path)) is None
    path.write_bytes(b"x" * 70_000)
    assert read_answer(str(path)) is None
    assert read_answer(str(tmp_path / "absent.answer")) is None


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the XDG rule")
@pytest.mark.parametrize("xdg", [None, "/srv/cache", "relative/cache", ""])
def test_cache_directory_agrees_with_platformdirs(
    xdg: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ROLECHAIN_CACHE_DIR")
    if xdg is None:
        monkeypatch.delenv("XDG_CACHE_HOME")
    else:
        monkeypatch.setenv("XDG_CACHE_HOME", xdg)
    assert cache_directory(os.environ) == platformdirs.user_cache_dir("rolechain", appauthor=False)
    given = {"ROLECHAIN_CACHE_DIR": "~/c", "HOME": os.environ["HOME"]}
    assert cache_directory(given) == os.path.expanduser("~/c")


def test_store_prunes_expired_answers_and_clears_by_profile_on_the_chain(
    tmp_path: Path,
) -> None:
    store = CacheStore(tmp_path / "cache")
    now = time.time()
    answers = {
        "0" * 16: sample(tmp_path, profiles=["user", "mid", "prod"]),
        "1" * 16: sample(tmp_path, profiles=["user", "dev"]),
        "2" * 16: sample(tmp_path, refresh_at=now - 20, expires=now - 10),
    }
    for key, answer in answers.items():
        store.write_answer(key, answer.encode())
    (tmp_path / "cache" / ("3" * 16 + ".answer")).write_bytes(b"garbage")
    store.prune()
    assert sorted(a.profiles for a in store.answers()) == [("user", "dev"), ("user", "mid", "prod")]
    assert not (tmp_path / "cache" / ("3" * 16 + ".answer")).exists()
    store.clear("mid")
    assert [a.profiles for a in store.answers()] == [("user", "dev")]
    store.clear()
    assert store.answers() == []


# --- the real CLI -----------------------------------------------------------------------


def imported_modules(
    args: list[str], env: dict[str, str], cwd: Path = ROOT
) -> tuple[str, set[str]]:
    """Run ``python -X importtime -m resolver ARGS``: its stdout and the modules it imported
    beyond those of the interpreter's own start-up (an editable install imports re)."""
    out, modules = _importtime(["-m", "resolver", *args], env, cwd)
    return out, modules - _importtime(["-c", "pass"], env, cwd)[1]


def _importtime(args: list[str], env: dict[str, str], cwd: Path = ROOT) -> tuple[str, set[str]]:
    result = subprocess.run(
        [sys.executable, "-X", "importtime", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    names = {
        line.rsplit("|", 1)[1].strip()
        for line in result.stderr.splitlines()
        if line.startswith("import time:")
    }
    return result.stdout, names


ANOTHER_ACCOUNT = "999999999999"


def swap_same_size_and_mtime(config: Path, how: str) -> None:
    """Replace ``config`` with a copy naming another account, of the same size and mtime:
    through a symlink switched with ``ln -sfn``, or with ``cp -p`` over the file."""
    text = config.read_text()
    twin = config.with_name("config.twin")
    twin.write_text(text.replace("123456789012", ANOTHER_ACCOUNT))
    info = config.stat()
    assert twin.stat().st_size == info.st_size
    if how == "symlink swap":
        os.utime(twin, ns=(info.st_atime_ns, info.st_mtime_ns))
        stamp_before = files_stamp([config])
        config.unlink()
        config.symlink_to(twin.name)
    else:
        stamp_before = files_stamp([config])
        subprocess.run(["cp", "-p", str(twin), str(config)], check=True)
        os.utime(config, ns=(info.st_atime_ns, info.st_mtime_ns))
    after = config.stat()
    assert (after.st_size, after.st_mtime_ns) == (info.st_size, info.st_mtime_ns)
    assert stamp_before != files_stamp([config])


def answer_files(paths: IsolatedEnv) -> list[Path]:
    return sorted(paths.rolechain_cache_dir.glob("*.answer"))


def test_warm_export_is_answered_without_heavy_imports_or_sts(
    moto: MotoServer, isolated_env: IsolatedEnv
) -> None:
    write_ini(isolated_env)
    env = cli_env(moto, isolated_env)
    cold = run_cli(EXPORT, env)
    assert cold.returncode == 0, cold.stderr
    [saved] = answer_files(isolated_env)
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    assert stat.S_IMODE(isolated_env.rolechain_cache_dir.stat().st_mode) == 0o700
    moto.reset_recording()
    out, modules = imported_modules(list(EXPORT), env)
    assert out == cold.stdout
    assert not {m.split(".")[0] for m in modules} & set(HEAVY), modules
    assert "resolver.cache.answers" in modules
    assert "resolver.cli.fastpath" in modules
    assert moto.sts_calls() == []


def test_every_format_from_an_answer_matches_the_full_path(
    moto: MotoServer, isolated_env: IsolatedEnv
) -> None:
    write_ini(isolated_env)
    env = cli_env(moto, isolated_env)
    assert run_cli(EXPORT, env).returncode == 0
    for fmt in ("env", "json", "credential-process", "ini"):
        args = ["export", "prod", "--format", fmt]
        for answer in answer_files(isolated_env):
            answer.unlink()
        full, modules = imported_modules(args, env)  # from the disk cache's entries
        assert PLANNER in modules and len(answer_files(isolated_env)) == 1  # planned, saved
        fast, modules = imported_modules(args, env)
        assert PLANNER not in modules and fast == full


@pytest.mark.parametrize(
    "change",
    [
        "config edit",
        "new credentials file",
        "environment",
        "cache disabled",
        "answer due",
        "symlink swap",
        "copy over",
        "working directory",
    ],
)
def test_any_change_takes_the_full_path(
    change: str, moto: MotoServer, isolated_env: IsolatedEnv
) -> None:
    write_ini(isolated_env)
    if change == "symlink swap":  # AWS_CONFIG_FILE is a symlink, as with ln -sfn
        config = isolated_env.aws_config_file
        config.rename(config.with_name("config.first"))
        config.symlink_to("config.first")
    env = cli_env(moto, isolated_env)
    cold = run_cli(EXPORT, env)
    assert cold.returncode == 0, cold.stderr
    cwd = ROOT
    if change == "config edit":
        with isolated_env.aws_config_file.open("a") as stream:
            stream.write("# edited\n")
    elif change == "new credentials file":
        isolated_env.aws_shared_credentials_file.write_text("")
    elif change == "environment":
        env["AWS_DEFAULT_REGION"] = "eu-west-1"
    elif change == "cache disabled":
        env["ROLECHAIN_NO_CACHE"] = "1"
    elif change in ("symlink swap", "copy over"):
        swap_same_size_and_mtime(isolated_env.aws_config_file, change)
    elif change == "working directory":
        cwd = isolated_env.aws_config_file.parent
    else:
        [path] = answer_files(isolated_env)
        answer = read_answer(str(path))
        assert answer is not None
        answer.refresh_at = time.time() - 1
        path.write_bytes(answer.encode())
    out, modules = imported_modules(list(EXPORT), env, cwd)
    assert PLANNER in modules  # the full path ran: the chain was planned again
    if change in ("symlink swap", "copy over"):
        assert ANOTHER_ACCOUNT in out and ANOTHER_ACCOUNT not in cold.stdout
    elif change == "cache disabled":
        assert out != cold.stdout  # a fresh session: nothing read from the cache
    else:
        assert out == cold.stdout  # same session, from the disk cache's entries
    if change != "cache disabled":
        _, modules = imported_modules(list(EXPORT), env, cwd)
        assert PLANNER not in modules  # and a new answer serves the next call


def test_long_term_keys_never_become_answers(moto: MotoServer, isolated_env: IsolatedEnv) -> None:
    write_ini(isolated_env)
    env = cli_env(moto, isolated_env)
    result = run_cli(["export", "user", "--format", "credential-process"], env)
    assert result.returncode == 0, result.stderr
    assert TEST_SECRET_ACCESS_KEY in result.stdout
    assert answer_files(isolated_env) == []
    cache = isolated_env.rolechain_cache_dir
    files = list(cache.iterdir()) if cache.exists() else []
    assert all(TEST_SECRET_ACCESS_KEY not in f.read_text(errors="replace") for f in files)


def test_cache_clear_of_a_profile_on_the_chain_drops_the_answer(
    moto: MotoServer, isolated_env: IsolatedEnv
) -> None:
    write_ini(isolated_env)
    env = cli_env(moto, isolated_env)
    assert run_cli(EXPORT, env).returncode == 0
    assert run_cli(["export", "mid", "--format", "json"], env).returncode == 0
    assert len(answer_files(isolated_env)) == 2
    assert run_cli(["cache", "clear", "prod"], env).returncode == 0
    assert len(answer_files(isolated_env)) == 1  # mid's answer does not pass through prod
    assert run_cli(EXPORT, env).returncode == 0
    assert run_cli(["cache", "clear", "user"], env).returncode == 0
    assert answer_files(isolated_env) == []


def test_serve_export_ignores_requests_it_cannot_answer(isolated_env: IsolatedEnv) -> None:
    assert serve_export(["export", "prod"]) is None  # no answer yet
    assert serve_export(["validate"]) is None


# --- the in-process cache's key ----------------------------------------------------------


@pytest.mark.parametrize("through_os_environ", [True, False])
def test_resolve_sees_an_environment_change_at_once(
    through_os_environ: bool, isolated_env: IsolatedEnv, tmp_path: Path
) -> None:
    from resolver import api

    api.clear()
    other = tmp_path / "other-config"
    write_ini(
        isolated_env, "[profile s]\naws_access_key_id = AKIAFIRST\naws_secret_access_key = x\n"
    )
    other.write_text("[profile s]\naws_access_key_id = AKIASECOND\naws_secret_access_key = y\n")
    environ: dict[str, str] | os._Environ[str] = (
        os.environ if through_os_environ else {**os.environ}
    )
    assert api.resolve("s", environ=environ).access_key_id == "AKIAFIRST"
    assert api.resolve("s", environ=environ).access_key_id == "AKIAFIRST"
    environ["AWS_CONFIG_FILE"] = str(other)  # (isolated_env's monkeypatch restores it)
    assert api.resolve("s", environ=environ).access_key_id == "AKIASECOND"
    api.clear()


def test_a_ready_answer_reaches_a_file_whole_though_the_process_skips_its_teardown(
    moto: MotoServer, isolated_env: IsolatedEnv, tmp_path: Path
) -> None:
    """The console script leaves with ``os._exit`` after a ready answer: the output, block
    buffered into a regular file, must be flushed first, and the status is 0."""
    write_ini(isolated_env)
    env = cli_env(moto, isolated_env)
    cold = run_cli(EXPORT, env)
    assert cold.returncode == 0, cold.stderr
    moto.reset_recording()
    target = tmp_path / "out.txt"
    for _ in range(2):
        with target.open("wb") as stream:
            warm = subprocess.run(
                [sys.executable, "-m", "resolver", *EXPORT],
                env=env, stdout=stream, stderr=subprocess.PIPE, cwd=ROOT,
            )  # fmt: skip
        assert warm.returncode == 0 and warm.stderr == b""
        assert target.read_text() == cold.stdout
    assert moto.sts_calls() == []
