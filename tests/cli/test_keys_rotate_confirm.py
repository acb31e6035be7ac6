"""``rolechain keys rotate`` names the IAM user and the key before acting, and asks on
the terminal; ``--yes`` skips the question; no terminal and no ``--yes`` is refused.
Against moto's IAM and STS (the ``alice`` fixture of test_keys_rotate)."""

from __future__ import annotations

from pathlib import Path

import pytest

from resolver.cli.main import main
from tests.cli.test_keys_rotate import USER_ARN, alice, iam_keys, keyring_setup
from tests.conftest import IsolatedEnv
from tests.keyring_backend import entry, file_keyring
from tests.moto_support import MotoServer

__all__ = ["alice", "file_keyring"]


@pytest.fixture
def stored(
    isolated_env: IsolatedEnv,
    file_keyring: Path,
    alice: dict[str, str],
) -> dict[str, str]:
    keyring_setup(isolated_env, file_keyring, alice)
    return alice


def answering(monkeypatch: pytest.MonkeyPatch, answer: str | None) -> list[str]:
    """A terminal on stdin whose user answers ``answer`` (None: no terminal); the
    questions asked are collected."""
    asked: list[str] = []

    def ask(question: str) -> str:
        asked.append(question)
        assert answer is not None
        return answer

    monkeypatch.setattr("sys.stdin.isatty", lambda: answer is not None)
    monkeypatch.setattr("builtins.input", ask)
    return asked


def assert_unchanged(moto: MotoServer, keyring: Path, key: dict[str, str]) -> None:
    assert iam_keys(moto) == [key["id"]]
    kept = entry(keyring, "alice")
    assert kept is not None and kept["AccessKeyId"] == key["id"]


def test_no_terminal_and_no_yes_is_refused_naming_user_and_key(
    moto: MotoServer,
    file_keyring: Path,
    stored: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    asked = answering(monkeypatch, None)

    status = main(["keys", "rotate", "admin"])

    out, err = capsys.readouterr()
    assert status == 1 and asked == [] and out == ""
    (line,) = err.splitlines()
    assert stored["id"] in line and "IAM user/alice" in line and USER_ARN in line
    assert line.endswith("not a terminal to confirm on, pass --yes")
    assert_unchanged(moto, file_keyring, stored)


@pytest.mark.parametrize("answer", ["n", "", "no", "whatever"])
def test_any_answer_but_yes_changes_nothing(
    moto: MotoServer,
    file_keyring: Path,
    stored: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    answer: str,
) -> None:
    asked = answering(monkeypatch, answer)

    status = main(["keys", "rotate", "admin"])

    (question,) = asked
    assert f"access key {stored['id']} of IAM user/alice ({USER_ARN})" in question
    assert "OS keyring" in question and question.endswith("[y/N] ")
    assert status == 1 and "nothing changed" in capsys.readouterr().out
    assert_unchanged(moto, file_keyring, stored)


def test_yes_on_the_terminal_rotates(
    moto: MotoServer,
    file_keyring: Path,
    stored: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    asked = answering(monkeypatch, "y")

    status = main(["keys", "rotate", "admin"])

    assert status == 0, capsys.readouterr().err
    assert len(asked) == 1
    (new,) = iam_keys(moto)
    kept = entry(file_keyring, "alice")
    assert new != stored["id"] and kept is not None and kept["AccessKeyId"] == new


def test_the_yes_flag_asks_nothing_and_names_what_it_rotates(
    moto: MotoServer,
    file_keyring: Path,
    stored: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    asked = answering(monkeypatch, None)

    status = main(["keys", "rotate", "admin", "--yes"])

    out, err = capsys.readouterr()
    assert status == 0, err
    assert asked == []
    assert out.startswith(f"rotating access key {stored['id']} of IAM user/alice ({USER_ARN})")
    (new,) = iam_keys(moto)
    assert new != stored["id"] and stored["secret"] not in out + err
