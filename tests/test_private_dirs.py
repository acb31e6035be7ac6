"""Issue 19 item 12: every directory rolechain creates is 0700, whatever the umask, and
every place that creates one goes through ``resolver.config.private_dirs.make_dirs``."""

from __future__ import annotations

import ast
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from resolver.config.private_dirs import make_dirs

ROOT = Path(__file__).resolve().parent.parent
HELPER = ROOT / "resolver" / "config" / "private_dirs.py"
CREATING = {"mkdir", "makedirs", "mkdtemp"}


@pytest.fixture
def open_umask() -> Iterator[None]:
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


def modes_below(base: Path, leaf: Path) -> dict[str, int]:
    """The mode of every directory from ``base`` (excluded) down to ``leaf``."""
    found = {}
    for directory in [leaf, *leaf.parents]:
        if directory == base:
            break
        found[str(directory.relative_to(base))] = stat.S_IMODE(directory.stat().st_mode)
    return found


def test_make_dirs_creates_every_missing_parent_private(tmp_path: Path, open_umask: None) -> None:
    tmp_path.chmod(0o755)
    leaf = tmp_path / "home" / ".cache" / "rolechain" / "v1"
    make_dirs(leaf)
    assert set(modes_below(tmp_path, leaf).values()) == {0o700}
    assert stat.S_IMODE(tmp_path.stat().st_mode) == 0o755  # what existed is left alone
    make_dirs(leaf)  # idempotent
    (tmp_path / "file").write_text("")
    with pytest.raises(FileExistsError):
        make_dirs(tmp_path / "file" / "below")
    with pytest.raises(ValueError):
        make_dirs(tmp_path / "shared", 0o777)


def test_the_cache_store_creates_private_parents(tmp_path: Path, open_umask: None) -> None:
    from resolver.cache.store import CacheStore

    leaf = tmp_path / "home" / ".cache" / "rolechain"
    CacheStore(leaf).ensure_dir()
    assert set(modes_below(tmp_path, leaf).values()) == {0o700}


def test_setup_write_creates_private_parents_of_a_new_config(
    tmp_path: Path, open_umask: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from resolver.cli.cmd_setup import append_section

    path = tmp_path / "home" / ".aws" / "config"
    append_section(path, "x-via-rolechain", "[profile x-via-rolechain]\nregion = eu-west-1\n", 5)
    assert set(modes_below(tmp_path, path.parent).values()) == {0o700}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_nothing_in_resolver_creates_a_directory_but_the_helper() -> None:
    """The class: every ``mkdir``/``makedirs``/``mkdtemp`` call in the package is in the
    helper; any new call site must use ``make_dirs`` instead."""
    calls = []
    for path in sorted((ROOT / "resolver").rglob("*.py")):
        if path == HELPER:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "attr", getattr(node.func, "id", ""))
                if name in CREATING:
                    calls.append(f"{path.relative_to(ROOT)}:{node.lineno} {name}")
    assert calls == []
