"""``export``'s one grammar (``resolver.cli.fastpath``): argparse's parsers and the warm
path's parser are made from one flag table, and read every command line the same way or
the warm path declines it."""

from __future__ import annotations

import argparse
import contextlib
import io
import subprocess
import sys
from collections.abc import Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st

from resolver.cache.answers import request_key, request_text
from resolver.cli.fastpath import (
    EXPORT_FLAGS,
    EXPORT_FORMATS,
    GLOBAL_FLAGS,
    OVERRIDE_FLAGS,
    Flag,
    Request,
    export_request,
    request_of,
)
from resolver.cli.main import build_parser
from tests.cache.test_parallel_processes import ROOT
from tests.hostile import fuzz_settings, hostile_text

ENVIRON = {"HOME": "/home/someone", "AWS_REGION": "eu-west-1"}
PARSER = build_parser()


def key(request: Request) -> str:
    profile, config, _, overrides = request
    return request_key(request_text(profile, config, ENVIRON, overrides))


def subcommand(parser: argparse.ArgumentParser, name: str) -> argparse.ArgumentParser:
    [commands] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    found: argparse.ArgumentParser = commands.choices[name]
    return found


def options(parser: argparse.ArgumentParser) -> dict[tuple[str, ...], argparse.Action]:
    """The parser's flags, without the ones argparse adds (``-h``, ``--version``)."""
    own = (argparse._HelpAction, argparse._VersionAction)
    return {
        tuple(a.option_strings): a
        for a in parser._actions
        if a.option_strings and not isinstance(a, own)
    }


def full_request(argv: Sequence[str]) -> Request | None:
    """The full CLI's reading of ``argv``, through the same ``request_of``; None when
    argparse refuses it or it is no ``export`` the warm path could serve."""
    with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
        try:
            args = PARSER.parse_args(argv)
        except SystemExit:
            return None
    if args.command != "export" or args.no_cache:
        return None
    return request_of(vars(args))


# --- one table -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("parser", "table"),
    [(PARSER, GLOBAL_FLAGS), (subcommand(PARSER, "export"), EXPORT_FLAGS)],
    ids=["rolechain", "export"],
)
def test_argparse_has_exactly_the_flags_of_the_table(
    parser: argparse.ArgumentParser, table: tuple[Flag, ...]
) -> None:
    """A flag added to argparse only, or to the table only, fails here: the two cannot
    drift apart."""
    actions = options(parser)
    assert set(actions) == {flag.names for flag in table}
    for flag in table:
        action = actions[flag.names]
        assert action.dest == flag.dest
        assert (action.nargs != 0) is flag.value, flag
        assert isinstance(action, argparse._AppendAction) is flag.repeat, flag
        assert action.choices == flag.options.get("choices"), flag
        assert action.default == flag.default(), flag


def test_export_has_one_positional_the_profile() -> None:
    """The fast parser knows one positional word: the profile."""
    export = subcommand(PARSER, "export")
    positionals = [a for a in export._actions if not a.option_strings]
    assert [(a.dest, a.nargs) for a in positionals] == [("profile", "?")]


@pytest.mark.parametrize("command", ["exec", "explain"])
def test_exec_and_explain_take_the_same_override_flags(command: str) -> None:
    names = set(options(subcommand(PARSER, command)))
    expected = {f.names for f in OVERRIDE_FLAGS if command == "exec" or f.dest != "mfa_token"}
    assert expected <= names


@pytest.mark.parametrize("flag", [*GLOBAL_FLAGS, *EXPORT_FLAGS], ids=repr)
def test_a_flag_changes_the_request_key_exactly_when_the_table_says_so(flag: Flag) -> None:
    choices = flag.options.get("choices")
    value = (choices[1] if choices else "x") if flag.value else None  # not the default
    given = [flag.names[0]] if value is None else [flag.names[0], value]
    argv = [*given, "export", "p"] if flag in GLOBAL_FLAGS else ["export", "p", *given]
    plain = export_request(["export", "p"])
    assert plain is not None
    fast = export_request(argv)
    assert full_request(argv) == fast
    if not flag.serves:
        assert fast is None
        return
    assert fast is not None
    assert (key(fast) != key(plain)) is flag.keyed


# --- the fast parser -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["export", "prod"], ("prod", None, "env", ())),
        (
            ["export", "prod", "--format", "credential-process"],
            ("prod", None, "credential-process", ()),
        ),
        (["export", "--format=json"], (None, None, "json", ())),
        (["--config", "r.toml", "--debug", "export", "p"], ("p", "r.toml", "env", ())),
        (["--config=r.toml", "export", "--format", "ini", "p"], ("p", "r.toml", "ini", ())),
        (["--no-cache", "export", "p"], None),
        (["export", "p", "--format", "yaml"], None),
        (["export", "p", "q"], None),
        (["export", "-h"], None),
        (["export", "--", "p"], None),
        (["export", "p", "--format"], None),
        (["exec", "p", "--", "true"], None),
        (
            ["export", "p", "--tag", "a=b", "--mfa-token", "123456", "--tag=c=d", "--hop", "h"],
            ("p", None, "env", ("override --tag a=b", "override --tag c=d", "override --hop h")),
        ),
        (["export", "p", "--duration"], None),
        (["export", "p", "--tagx", "a=b"], None),
        (["--config"], None),
        ([], None),
    ],
)
def test_export_request_takes_only_plain_exports(
    argv: list[str], expected: tuple[str | None, str | None, str, tuple[str, ...]] | None
) -> None:
    assert export_request(argv) == expected


FLAG_NAMES = sorted({name for flag in (*GLOBAL_FLAGS, *EXPORT_FLAGS) for name in flag.names})
TRICKY_NAMES = ["--version", "-h", "--help", "--", "-", "--form", "--conf", "--ta", "--tags"]
values = st.one_of(
    st.sampled_from(["", " ", "-", "-1", "-x", "--tag", "a=b", "~/c.toml", *EXPORT_FORMATS]),
    hostile_text,
)
words = st.one_of(
    st.sampled_from([*FLAG_NAMES, *TRICKY_NAMES, "export", "exec", "explain"]),
    st.builds("{}={}".format, st.sampled_from([*FLAG_NAMES, *TRICKY_NAMES]), values),
    values,
)
argvs = st.one_of(
    st.lists(words, max_size=8),
    st.tuples(st.lists(words, max_size=3), st.lists(words, max_size=8)).map(
        lambda parts: [*parts[0], "export", *parts[1]]
    ),
)


@fuzz_settings(default=400)
@given(argv=argvs)
def test_the_fast_parser_declines_or_reads_argv_as_argparse_does(argv: list[str]) -> None:
    """For any command line, the warm path's request (and so its key and format) is the
    full CLI's, or it declines: no flag can change the key in one parser only."""
    fast = export_request(argv)
    if fast is not None:
        full = full_request(argv)
        assert full == fast
        assert key(full) == key(fast)


def canonical(flag: Flag, value: str) -> list[str]:
    """``flag`` as a user writes it: its name, then a value argparse takes as one."""
    if not flag.value:
        return [flag.names[0]]
    return [flag.names[0], value if "choices" not in flag.options else EXPORT_FORMATS[-1]]


plain_values = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1).filter(
    lambda text: not text.startswith("-")
)


@fuzz_settings()
@given(
    before=st.lists(st.sampled_from([f for f in GLOBAL_FLAGS if f.serves])),
    after=st.lists(st.sampled_from([f for f in EXPORT_FLAGS if f.serves])),
    value=plain_values,
    profile=st.none() | plain_values,
)
def test_the_fast_parser_serves_every_plain_export(
    before: list[Flag], after: list[Flag], value: str, profile: str | None
) -> None:
    """What the table allows, written plainly, is always taken: the warm path keeps
    serving (and agrees with argparse)."""
    argv = [word for flag in before for word in canonical(flag, value)]
    argv += ["export", *([profile] if profile is not None else [])]
    argv += [word for flag in after for word in canonical(flag, value)]
    fast = export_request(argv)
    assert fast is not None
    assert full_request(argv) == fast


def test_the_warm_entry_imports_only_what_it_needs() -> None:
    """``rolechain export`` on a warm cache loads no argparse, typing, dataclasses, re,
    json, pydantic or botocore: only these few modules of the package, and of the standard
    library only what ``site`` loads anyway (here without ``site``, to see them)."""
    code = (
        "import sys; before = set(sys.modules); import resolver.cli\n"
        "print(' '.join(sorted(set(sys.modules) - before)))"
    )
    result = subprocess.run(
        [sys.executable, "-S", "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    loaded = result.stdout.split()
    assert {name for name in loaded if not name.startswith("resolver")} <= {
        *("os", "os.path", "posixpath", "ntpath", "genericpath", "stat", "_stat"),
        "_collections_abc",
    }
    assert [name for name in loaded if name.startswith("resolver")] == [
        "resolver",
        "resolver.cache",
        "resolver.cache.answers",
        "resolver.cache.private",
        "resolver.cache.stamps",
        "resolver.cli",
        "resolver.cli.fastpath",
        "resolver.environment",
    ]
