"""A cold ``export`` is read with ``export``'s flag table (``resolver.cli.main.plain_export``)
instead of building the whole argparse tree: for every command line it takes, its values
are argparse's, flag for flag; everything else (help, errors, abbreviations, other
commands) still goes to argparse."""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from resolver.cli import main as cli_main
from resolver.cli.fastpath import EXPORT_FLAGS, GLOBAL_FLAGS, Flag
from resolver.cli.main import build_parser, main, plain_export
from tests.cli.test_fastpath import TRICKY_NAMES, argvs, canonical, plain_values, values
from tests.conftest import ROOT, IsolatedEnv
from tests.hostile import fuzz_settings

PARSER = build_parser()
STATIC = "[profile p]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = s3cr3t\n"


def argparse_values(argv: list[str]) -> dict[str, object] | None:
    """``vars()`` of the full parser's reading of ``argv``; None when it exits."""
    with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
        try:
            return vars(PARSER.parse_args(argv))
        except SystemExit:
            return None


def flag_words(flags: tuple[Flag, ...]) -> st.SearchStrategy[str]:
    """Words around ``flags``: their names, near misses, ``name=value``, and values."""
    names = [name for flag in flags for name in flag.names] + TRICKY_NAMES
    choices = [choice for flag in flags for choice in flag.options.get("choices", ())]
    value = values | st.sampled_from(choices or [""])
    return st.one_of(
        st.sampled_from(names), st.builds("{}={}".format, st.sampled_from(names), value), value
    )


export_argvs = st.builds(
    lambda before, after: [*before, "export", *after],
    st.lists(flag_words(GLOBAL_FLAGS), max_size=4),
    st.lists(flag_words(EXPORT_FLAGS), max_size=8),
)


@fuzz_settings(default=400)
@given(argv=st.one_of(argvs, export_argvs))
def test_a_cold_export_is_read_as_argparse_reads_it_or_left_to_argparse(argv: list[str]) -> None:
    """Hostile words, flag names, abbreviations, ``--``, ``-h``: whatever the table's
    reading takes, argparse accepts with exactly the same values (``--no-cache``,
    ``--debug`` and ``--mfa-token`` included)."""
    fast = plain_export(argv)
    if fast is not None:
        assert vars(fast) == argparse_values(argv)


@fuzz_settings()
@given(
    before=st.lists(st.sampled_from(GLOBAL_FLAGS)),
    after=st.lists(st.sampled_from(EXPORT_FLAGS)),
    value=plain_values,
    profile=st.none() | plain_values,
)
def test_every_plainly_written_export_skips_the_parser(
    before: list[Flag], after: list[Flag], value: str, profile: str | None
) -> None:
    """Every flag of the tables, written plainly, is taken without argparse."""
    argv = [word for flag in before for word in canonical(flag, value)]
    argv += ["export", *([profile] if profile is not None else [])]
    argv += [word for flag in after for word in canonical(flag, value)]
    fast = plain_export(argv)
    assert fast is not None
    assert vars(fast) == argparse_values(argv)


@pytest.mark.parametrize(
    ("argv", "built"),
    [
        (["export", "p", "--format", "json"], False),
        (["--debug", "export", "--format=json", "p"], False),
        (["export", "p", "--form", "json"], True),  # argparse's abbreviation still works
        (["--conf", "", "export", "p", "--format", "json"], True),
    ],
)
def test_the_parser_is_built_only_for_what_the_table_does_not_take(
    argv: list[str],
    built: bool,
    isolated_env: IsolatedEnv,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    isolated_env.aws_config_file.parent.mkdir(parents=True)
    isolated_env.aws_config_file.write_text(STATIC)
    calls: list[int] = []

    def counted() -> object:
        calls.append(1)
        return build_parser()

    monkeypatch.setattr(cli_main, "build_parser", counted)
    assert main(argv) == 0
    assert '"AWS_ACCESS_KEY_ID": "AKIDEXAMPLE"' in capsys.readouterr().out
    assert bool(calls) is built


def test_a_cold_export_imports_no_argparse(isolated_env: IsolatedEnv, tmp_path: Path) -> None:
    """The cold ``export`` process never loads argparse (nor gettext and locale behind it)."""
    isolated_env.aws_config_file.parent.mkdir(parents=True)
    isolated_env.aws_config_file.write_text(STATIC)
    code = (
        "import sys; from resolver.cli.main import main; status = main(['export', 'p']); "
        "print(status, sorted({'argparse', 'gettext'} & set(sys.modules)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert done.stdout.splitlines()[-1] == "0 []"
