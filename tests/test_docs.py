"""The documentation site follows the code: a page per base kind whose INI and TOML forms
plan to that kind, every page in the navigation, every relative link resolving, the CLI
reference generated from the parser, and a README that keeps its two commands."""

from __future__ import annotations

import importlib.util
import re
import sys
import typing
from pathlib import Path

import pytest

import resolver
from resolver.chain.types import Source
from resolver.cli.main import build_parser
from tests.conftest import IsolatedEnv

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
README = (ROOT / "README.md").read_text(encoding="utf-8")
NAV = (ROOT / "mkdocs.yml").read_text(encoding="utf-8").split("\nnav:\n", 1)[1]
KINDS = sorted(source.kind for source in typing.get_args(Source))


def pages() -> list[Path]:
    return sorted(path for path in DOCS.rglob("*.md") if "hooks" not in path.parts)


def blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", text, flags=re.DOTALL)


def profile_names(ini: str) -> list[str]:
    return [m[1] or "default" for m in re.finditer(r"^\[(?:profile (.+)|default)\]$", ini, re.M)]


@pytest.mark.parametrize("kind", KINDS)
def test_each_base_kind_has_a_page_whose_forms_plan_to_it(
    kind: str, isolated_env: IsolatedEnv
) -> None:
    page = DOCS / "bases" / f"{kind}.md"
    text = page.read_text(encoding="utf-8")
    (ini,) = blocks(text, "ini")
    (toml,) = blocks(text, "toml")
    names = profile_names(ini)
    assert names, ini
    isolated_env.aws_config_file.parent.mkdir(parents=True, exist_ok=True)
    isolated_env.aws_config_file.write_text(ini)
    for name in names:  # every profile of the INI form, a base or a hop above one
        assert resolver.plan(name).source.kind == kind, (name, ini)
    assert set(tomllib.loads(toml)["profiles"]) == set(names)
    isolated_env.aws_config_file.write_text("")  # the TOML form alone
    isolated_env.rolechain_config.write_text(toml)
    for name in names:
        assert resolver.plan(name).source.kind == kind, (name, toml)
    assert f"bases/{kind}.md" in NAV
    assert f"]({kind}.md)" in (DOCS / "bases" / "index.md").read_text(encoding="utf-8")


def test_every_page_is_in_the_navigation() -> None:
    listed = set(re.findall(r"([\w./-]+\.md)\s*$", NAV, re.M))
    found = {str(path.relative_to(DOCS)) for path in pages()}
    assert found == listed


LINK = re.compile(r"\]\(([^)#\s]+\.md)(#[\w-]+)?\)")


def test_every_relative_link_names_an_existing_file() -> None:
    documents = [ROOT / "README.md", ROOT / "CONTRIBUTING.md", ROOT / "SECURITY.md", *pages()]
    broken = []
    for document in documents:
        for target, _ in LINK.findall(document.read_text(encoding="utf-8")):
            if "://" not in target and not (document.parent / target).is_file():
                broken.append((str(document.relative_to(ROOT)), target))
    assert broken == []


def load_hook() -> typing.Any:
    spec = importlib.util.spec_from_file_location("cli_reference", DOCS / "hooks/cli_reference.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_cli_reference_is_every_parser_s_help() -> None:
    reference = load_hook().cli_reference()
    (commands,) = [a for a in build_parser()._actions if getattr(a, "choices", None)]
    for name, parser in commands.choices.items():
        assert f"`rolechain {name}`" in reference
        assert parser.format_usage().split()[2] in reference  # its usage line
        for sub in getattr(parser._subparsers, "_group_actions", []):
            for child in getattr(sub, "choices", None) or {}:
                assert f"`rolechain {name} {child}`" in reference
    assert "<!-- cli-reference -->" in (DOCS / "reference" / "cli.md").read_text()


def test_the_root_documents_become_pages_with_their_links_pointed_at_pages() -> None:
    hook = load_hook()
    for name, uri in hook.ROOT_FILES.items():
        assert (DOCS / uri).read_text() == f"<!-- root-file: {name} -->\n"
        page = hook.root_file(name, ROOT)
        assert "](docs/" not in page and not re.search(r"\]\([A-Z]+\.md\)", page)


def test_the_readme_keeps_the_two_commands_and_links_the_guide() -> None:
    commands = blocks(README, "sh")
    assert any(c.rstrip().endswith("rolechain demo") for c in commands)
    assert any("python -m pytest" in c for c in commands)
    assert "(docs/index.md)" in README and "(docs/reference/cli.md)" in README


def test_the_benchmark_command_is_one_command_everywhere() -> None:
    """The README's benchmark command (the one that writes benchmarks/RESULTS.md) is the
    one docs/performance.md and CONTRIBUTING.md give."""
    (command,) = [c for c in blocks(README, "sh") if "benchmarks/run.py" in c]
    for path in (DOCS / "performance.md", ROOT / "CONTRIBUTING.md"):
        others = [c for c in blocks(path.read_text(encoding="utf-8"), "sh") if "run.py" in c]
        assert others == [command], path
