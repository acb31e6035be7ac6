"""MkDocs hook: the CLI reference page is generated from ``resolver.cli.main.build_parser``
at every build, so it cannot drift from the parser. ``cli_reference()`` is importable
without MkDocs (tests/test_docs.py checks it names every command).

It also includes the repository's own documents as pages (``<!-- root-file: NAME -->``
in ``docs/changelog.md``...), with their links to ``docs/...`` and to each other pointed
at the pages they become."""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

MARKER = "<!-- cli-reference -->"
ROOT_FILES = {"CHANGELOG.md": "changelog.md", "SECURITY.md": "security.md"}
ROOT_FILES["CONTRIBUTING.md"] = "contributing.md"
INCLUDE = re.compile(r"<!-- root-file: ([A-Z]+\.md) -->")
WIDTH = "88"  # argparse wraps at $COLUMNS: one width, whatever the terminal


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _walk(
    parser: argparse.ArgumentParser, words: tuple[str, ...]
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    """Each parser under ``parser`` (``rolechain``, ``rolechain sso``, ``rolechain sso
    login``...), depth first, with the words that select it."""
    yield words, parser
    for name, child in _subcommands(parser).items():
        yield from _walk(child, (*words, name))


def cli_reference() -> str:
    """Markdown: every command's ``--help``, as the installed parser prints it."""
    from resolver.cli.main import build_parser

    previous = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = WIDTH
    try:
        sections = []
        for words, parser in _walk(build_parser(), ("rolechain",)):
            level = "#" * min(len(words) + 1, 4)
            sections.append(f"{level} `{' '.join(words)}`\n\n```text\n{parser.format_help()}```\n")
    finally:
        if previous is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = previous
    return "\n".join(sections)


def root_file(name: str, root: Path) -> str:
    """The repository's ``name`` (one of ``ROOT_FILES``) as a page of the site."""
    markdown = (root / name).read_text(encoding="utf-8").replace("](docs/", "](")
    for other, uri in ROOT_FILES.items():
        markdown = markdown.replace(f"]({other})", f"]({uri})")
    return markdown


def on_page_markdown(markdown: str, page: Any, config: Any, **_: Any) -> str:
    """Fill the reference page's marker and the root-file pages (MkDocs calls this for
    every page)."""
    if MARKER in markdown:
        return markdown.replace(MARKER, cli_reference())
    root = Path(config["config_file_path"]).parent
    return INCLUDE.sub(lambda found: root_file(found[1], root), markdown)
