"""The user guide's lists follow the code: every command, every public name, every
variable the shell formats set (docs/), and only install commands that work without PyPI
(the README, the project's documents and docs/)."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

import resolver
from resolver.cli.cmd_export import render
from resolver.cli.formats import SHELL_FORMATS
from resolver.cli.main import build_parser
from resolver.stscreds.credentials import Credentials

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def section(page: str, heading: str) -> str:
    """The text of ``docs/PAGE`` under ``heading`` up to the next heading of any level."""
    text = (DOCS / page).read_text(encoding="utf-8")
    start = text.index(f"{heading}\n")
    after = text[start + len(heading) + 1 :]
    end = re.search(r"^#{1,6} ", after, re.M)
    return after[: end.start()] if end else after


def test_the_command_list_names_every_command() -> None:
    using = section("guide/commands.md", "# Commands")
    block = using.split("```sh\n", 1)[1].split("```", 1)[0]
    listed = {line.split()[1] for line in block.splitlines() if len(line.split()) > 1}
    (subparsers,) = [a for a in build_parser()._actions if hasattr(a, "choices") and a.choices]
    assert set(subparsers.choices) <= listed


def test_the_public_names_are_all_listed() -> None:
    paragraph = section("library/python.md", "# From Python")
    for name in resolver.__all__:
        assert re.search(rf"`(resolver\.)?{name}`", paragraph), name


def full_credentials() -> Credentials:
    return Credentials(
        access_key_id="AKIDEXAMPLE",
        secret_access_key="secret",
        session_token="token",
        expires=datetime(2030, 1, 1, tzinfo=timezone.utc),
        account_id="123456789012",
    )


def set_names(text: str) -> set[str]:
    """The variables a shell format's lines give a value (not those they unset or clear)."""
    names = set()
    for line in text.splitlines():
        if line.startswith(("unset ", "set -e ", "Remove-Item")) or line.endswith(("=", '="')):
            continue
        match = re.search(r"[A-Z][A-Z0-9_]+", line)
        assert match, line
        names.add(match[0])
    return names


def test_the_variables_the_shell_formats_set_are_listed() -> None:
    paragraph = section("guide/export.md", "## Every shell")
    sentence = paragraph[paragraph.index("The shell formats") :].split("A prompt can", 1)[0]
    said_set = sentence.split("clear every other", 1)[0]
    listed = set(re.findall(r"`([A-Z_]+)`", said_set))
    for fmt in SHELL_FORMATS:
        text = render(full_credentials(), fmt, profile="p", region="eu-west-1")
        assigned = set_names(text)
        assert assigned and assigned <= listed, (fmt, assigned - listed)
        assert "AWS_ACCOUNT_ID" in assigned, fmt


def test_no_install_command_needs_pypi() -> None:
    documents = [ROOT / name for name in ("README.md", "CONTRIBUTING.md", "SECURITY.md")]
    texts = {name.name: name.read_text(encoding="utf-8") for name in documents}
    for path in DOCS.rglob("*.md"):
        texts[str(path.relative_to(ROOT))] = path.read_text(encoding="utf-8")
    for path in (ROOT / "resolver").rglob("*.py"):
        texts[str(path.relative_to(ROOT))] = path.read_text(encoding="utf-8")
    for name, text in texts.items():
        for extra in re.findall(r"pip install '?rolechain\[[a-z]+\][^'`\n]*", text):
            assert "@ git+" in extra, (name, extra)  # not on PyPI: from a clone or its URL
