"""The package layout: no import circle, small modules, and public names that stay callable."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import resolver

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "resolver"
MAX_MODULE_LINES = 400


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path, known: set[str]) -> set[str]:
    """Every ``resolver`` module that ``path`` imports at run time, at any depth of the file
    (lazy imports inside functions count: a circle through them is still a circle; imports
    under ``if TYPE_CHECKING:`` do not run, so they do not)."""
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            node.body = []
    found: set[str] = set()
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        found.update(name for name in names if name in known)
    return found


def import_graph() -> dict[str, set[str]]:
    files = {module_name(path): path for path in PACKAGE.rglob("*.py")}
    known = set(files)
    return {name: imported_modules(path, known) - {name} for name, path in files.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                return [*stack[stack.index(target) :], target]
            if target not in state and (cycle := visit(target)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_find_cycle_sees_a_circle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_the_package_has_no_import_circle() -> None:
    # Packages import their submodules' parents implicitly; only explicit imports count.
    graph = import_graph()
    assert graph.get("resolver.cli")
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph) or [])


def test_no_module_is_over_the_size_limit() -> None:
    sizes = {
        str(path.relative_to(ROOT)): len(path.read_text().splitlines())
        for path in PACKAGE.rglob("*.py")
    }
    assert {path: n for path, n in sizes.items() if n > MAX_MODULE_LINES} == {}


def test_no_module_stays_under_the_limit_by_escaping_the_formatter() -> None:
    """``# fmt: skip`` (or ``fmt: off``) packs lines the formatter would spread out, which
    makes a module look shorter than it is: the size limit counts formatted lines."""
    escapes = sorted(
        f"{path.relative_to(ROOT)}:{number}"
        for path in PACKAGE.rglob("*.py")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if FORMATTER_ESCAPE.search(line)
    )
    assert escapes == []


def test_the_escape_pattern_sees_every_spelling() -> None:
    for line in (")  # fmt: skip", "x = 1  #fmt:skip", "# fmt: off", "y  # noqa  # fmt: skip"):
        assert FORMATTER_ESCAPE.search(line), line
    assert not FORMATTER_ESCAPE.search('"""the formatter (fmt) skips nothing"""')


FORMATTER_ESCAPE = re.compile(r"#\s*fmt:\s*(skip|off)\b")


def test_stage_packages_import_nothing_on_their_own() -> None:
    """A stage folder's ``__init__`` stays empty, so importing one module of a stage (the
    warm export imports ``resolver.cache.answers``) does not drag in its siblings."""
    for init in PACKAGE.rglob("__init__.py"):
        if init.parent in {PACKAGE, *LAZY_PACKAGES, *ENTRY_PACKAGES}:
            continue
        tree = ast.parse(init.read_text())
        assert not [n for n in tree.body if not isinstance(n, ast.Expr)], init


LAZY_PACKAGES = {PACKAGE / "stscreds"}  # a library's face: its names re-exported lazily
ENTRY_PACKAGES = {PACKAGE / "cli"}
"""The console script's package holds the entry itself: every CLI run loads it anyway, and a
module less on the warm path is 1% of a ready answer. It imports only the warm path."""


def test_the_cli_package_imports_only_the_warm_path() -> None:
    tree = ast.parse((PACKAGE / "cli" / "__init__.py").read_text())
    top = [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
    assert [ast.unparse(n) for n in top] == [
        "import sys",
        "from resolver.cli.fastpath import serve_export",
    ]


def test_stscreds_reexports_its_names_without_importing_its_modules() -> None:
    """``resolver.stscreds`` names its main classes (PEP 562), yet importing one of its
    modules loads no sibling."""
    code = (
        "import sys, resolver.stscreds.credentials\n"
        "print(' '.join(sorted(m for m in sys.modules if m.startswith('resolver'))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert result.stdout.split() == [
        "resolver",
        "resolver.errors",
        "resolver.stscreds",
        "resolver.stscreds.credentials",
    ]
    stscreds = importlib.import_module("resolver.stscreds")
    modules = [
        importlib.import_module(info.name)
        for info in pkgutil.iter_modules(stscreds.__path__, "resolver.stscreds.")
    ]
    assert stscreds.__all__
    for name in stscreds.__all__:
        value = getattr(stscreds, name)
        assert any(vars(module).get(name) is value for module in modules), name


def test_public_names_stay_callable_after_every_submodule_is_imported(tmp_path: Path) -> None:
    """Importing a submodule binds it on its parent package; no submodule may shadow a
    public name (``resolver/plan.py`` once turned ``resolver.plan`` into a module)."""
    for info in pkgutil.walk_packages(resolver.__path__, "resolver."):
        if info.name not in {"resolver.__main__"}:
            importlib.import_module(info.name)
    config = tmp_path / "profiles.toml"
    config.write_text(
        '[profiles.base]\naws_access_key_id = "AKIDLAYOUT"\naws_secret_access_key = "s"\n'
    )
    chain = resolver.plan("base", config=config)
    assert chain.source.kind == "static"
    for name in resolver.__all__:
        assert callable(getattr(resolver, name)), name
    for name in ("ResolverError", "ConfigError", "ChainError", "StsError"):
        error = getattr(resolver, name)
        assert isinstance(error, type) and issubclass(error, Exception), name
    api, errors = (
        importlib.import_module("resolver.api"),
        importlib.import_module("resolver.errors"),
    )
    for name in ("plan", "resolve", "session"):
        assert getattr(resolver, name) is getattr(api, name), name
    classes = {
        name
        for name, value in vars(errors).items()
        if isinstance(value, type) and issubclass(value, errors.ResolverError)
    }
    assert classes <= set(resolver.__all__)
    for name in classes:
        assert getattr(resolver, name) is getattr(errors, name), name


def test_python_m_resolver_runs_the_cli() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "resolver", "--help"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "explain" in result.stdout and "export" in result.stdout


def plan_path_modules(tmp_path: Path, *argv: str) -> set[str]:
    config = tmp_path / "plan.toml"
    config.write_text(
        '[profiles.base]\naws_access_key_id = "AKIDPLAN"\naws_secret_access_key = "s"\n'
        '[profiles.role]\nsource_profile = "base"\n'
        'role_arn = "arn:aws:iam::123456789012:role/r"\n'
    )
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "resolver", "--config", str(config), *argv],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    return {
        line.split("|")[-1].strip()
        for line in result.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }


def test_explain_and_validate_never_load_botocore(tmp_path: Path) -> None:
    for argv in (("explain", "role"), ("validate",)):
        modules = plan_path_modules(tmp_path, *argv)
        assert "resolver.chain.planner" in modules, argv  # the probe sees our own modules
        loaded = {name for name in modules if name.split(".")[0] in {"boto3", "botocore"}}
        assert loaded == set(), argv


# The stscreds port comes first, below every stage; outputs (api, cli, demo...) come last.
STAGES = ("stscreds", "config", "chain", "providers", "cache")


def stage_of(module: str) -> int:
    parts = module.split(".")
    if len(parts) > 1 and parts[1] in STAGES:
        return STAGES.index(parts[1])
    if module in {"resolver", "resolver.errors", "resolver.timefmt", "resolver.context"}:
        return -1  # shared by every stage: the version, errors, timestamps, the Context
    if module == "resolver.records":
        return -1  # the record classes' base (stdlib only)
    if module == "resolver.environment":
        return -1  # the readings the Context is built from (the warm path needs them too)
    return len(STAGES)


def test_stages_import_only_earlier_stages() -> None:
    """The tree tells the story: stscreds -> configuration -> chain -> providers -> cache
    -> outputs, and no stage reaches forward into a later one."""
    backwards = sorted(
        f"{module} -> {target}"
        for module, targets in import_graph().items()
        for target in targets
        if stage_of(target) > stage_of(module)
    )
    assert backwards == []


def test_stscreds_imports_only_the_errors_and_itself() -> None:
    """The port knows nothing of profiles, files or the CLI: none of the stages."""
    graph = import_graph()
    assert graph.get("resolver.stscreds.assume_role")
    reached = sorted(
        f"{module} -> {target}"
        for module, targets in graph.items()
        if module.startswith("resolver.stscreds")
        for target in targets
        if target != "resolver.errors" and not target.startswith("resolver.stscreds")
    )
    assert reached == []


BASES = "resolver.providers.bases"
# Helpers of a base that are no provider: the keyring store (``rolechain keys``), the SSO
# device flow (``rolechain sso login`` and its lock), environment keys found without a
# profile (``resolve()`` and the console), and the key id file's path (its lock).
BASE_HELPERS = {
    f"{BASES}.keyring_store": {
        "resolver.cli.cmd_keys",
        "resolver.cli.keys_rotate",
        "resolver.cli.keys_store",
        "resolver.cache.keyring_lock",
    },
    f"{BASES}.sso_device": {"resolver.cache.sso_lock", "resolver.cli.cmd_sso"},
    f"{BASES}.sso_portal": {"resolver.cli.sso_populate"},  # the portal's account listing
    f"{BASES}.environment": {"resolver.api", "resolver.console.signin"},
    f"{BASES}.keyring_prompt": {"resolver.providers.prompts.secret"},  # the terminal's ask
}


def test_bases_are_reached_only_through_the_table() -> None:
    """A base module (its provider, its builder) is imported only by the table, by other
    base modules and by the executor, which reaches them only through the table; the few
    helpers that are no provider are named in ``BASE_HELPERS``."""
    graph = import_graph()
    assert graph["resolver.providers.bases.table"]
    reached = sorted(
        f"{module} -> {target}"
        for module, targets in graph.items()
        if not module.startswith(BASES + ".")
        for target in targets
        if target.startswith(BASES + ".")
        and target != f"{BASES}.built"
        and module not in BASE_HELPERS.get(target, ())
        and (module, target) != ("resolver.providers.executor", f"{BASES}.table")
    )
    assert reached == []


PROCESS_READS = frozenset(
    {"environ", "environb", "getenv", "getenvb", "putenv", "unsetenv", "getcwd"}
)
PROCESS_READERS = {
    "resolver/context.py": "the Context: the one place the process's surroundings are read",
    "resolver/cli/__init__.py": "the console script: a completion keypress reads it itself",
    "resolver/cli/fastpath.py": "the warm entry's ready answer: the process environment, once",
    "resolver/environment.py": "the Context's readings the warm path shares (the cwd)",
    "resolver/demo/run.py": "the demo sets up its own demo environment, then resolves in it",
    "resolver/demo/localsts.py": "the demo's local STS child gets a clean copy of ours",
}
"""The short allow-list: every other module takes the ``Context`` (or its values)."""


def process_reads(path: Path) -> list[str]:
    """``os.environ``, ``os.getenv``, ``os.putenv``, ``os.getcwd``... in ``path``, as
    attribute of ``os`` or imported from it."""
    shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if node.value.id == "os" and node.attr in PROCESS_READS:
                found.append(f"{shown}:{node.lineno} os.{node.attr}")
        elif isinstance(node, ast.ImportFrom) and node.module == "os":
            found += [
                f"{shown}:{node.lineno} os.{a.name}" for a in node.names if a.name in PROCESS_READS
            ]
    return found


def test_the_process_reads_check_sees_each_way_of_reading(tmp_path: Path) -> None:
    code = (
        "import os\nfrom os import getenv\nos.environ.get('A')\nos.getcwd()\n"
        "os.putenv('A', 'B')\nos.path.join('a')\n"
    )
    path = tmp_path / "probe.py"
    path.write_text(code)
    found = [line.split(" ", 1)[1] for line in process_reads(path)]
    assert sorted(found) == ["os.environ", "os.getcwd", "os.getenv", "os.putenv"]


def test_no_module_but_the_context_reads_the_process_environment() -> None:
    """Issue 20 item 3: the Context is built once (``resolver.api``, the CLI) and passed
    down; no other module reads ``os.environ`` or the working directory after it."""
    skipped = set(PROCESS_READERS)
    found = [
        read
        for path in sorted(PACKAGE.rglob("*.py"))
        if str(path.relative_to(ROOT)) not in skipped
        for read in process_reads(path)
    ]
    assert found == []
