"""Every export format round-trips hostile text or refuses it with one line (issue 19,
items 2, 3 and 5).

In-process, each format's output is read back by a reader written from its interpreter's
documented rules (tests/oracles.py); the fuzz scales with ``ROLECHAIN_FUZZ_EXAMPLES``. The
shell formats are also evaluated by the real dash, bash, zsh and fish, in batches.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from resolver.cli.cmd_export import credential_variables, render
from resolver.cli.fastpath import EXPORT_FORMATS
from resolver.cli.formats import MANAGED_VARIABLES, render_shell, shell_state
from resolver.errors import ResolverError
from resolver.stscreds.credentials import Credentials
from tests import oracles
from tests.hostile import fuzz_settings, hostile_text, printable_hostile_text

EXPIRES = datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
PLAIN = {"access_key_id": "ASIAEXAMPLE", "secret_access_key": "a/b+c=", "session_token": "t0k=="}
FIELDS = (*PLAIN, "account_id", "region", "profile")
VARIABLE = {
    "access_key_id": "AWS_ACCESS_KEY_ID",
    "secret_access_key": "AWS_SECRET_ACCESS_KEY",
    "session_token": "AWS_SESSION_TOKEN",
    "account_id": "AWS_ACCOUNT_ID",
    "region": "AWS_REGION",
    "profile": "ROLECHAIN_PROFILE",
}
READERS = {
    "env": oracles.read_sh,
    "dotenv": oracles.read_dotenv,
    "fish": oracles.read_fish,
    "powershell": oracles.read_powershell,
    "cmd": oracles.read_cmd,
}
REFUSAL = re.compile(
    r"((profile (?P<profile>.+): )?(?P<header>the profile name cannot be an INI section name)"
    r"|the value of (?P<name>[A-Za-z_]+) (holds a line break or NUL: refused"
    r"|cannot be written safely (for cmd|as INI)))"
)


def case(field: str, text: str) -> tuple[Credentials, str, str]:
    """Credentials, profile and region with ``text`` in ``field``, the rest plain."""
    values = {**PLAIN, "account_id": "123456789012", "region": "eu-west-1", "profile": "prod"}
    values[field] = text
    profile, region = values.pop("profile"), values.pop("region")
    return Credentials(**values, expires=EXPIRES), profile, region


def expected(fmt: str, credentials: Credentials, profile: str, region: str) -> object:
    variables = credential_variables(credentials, region)
    if fmt == "ini":
        keys = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
        return {profile: {key.lower(): variables[key] for key in keys if key in variables}}
    if fmt in READERS:  # an empty value is no value (cmd, PowerShell: it unsets)
        effect = {**variables, **shell_state(profile, variables["AWS_CREDENTIAL_EXPIRATION"])}
        return {name: effect.get(name) or None for name in MANAGED_VARIABLES}
    if fmt == "json":
        return variables
    document = {"Version": 1, "AccessKeyId": credentials.access_key_id}
    document["SecretAccessKey"] = credentials.secret_access_key
    optional = {"SessionToken": credentials.session_token, "AccountId": credentials.account_id}
    document.update({key: value for key, value in optional.items() if value})
    return {**document, "Expiration": variables["AWS_CREDENTIAL_EXPIRATION"]}


def read(fmt: str, output: str) -> object:
    if fmt == "ini":
        return oracles.read_ini(output)
    if fmt in READERS:
        return {name: value or None for name, value in READERS[fmt](output).items()}
    return json.loads(output)


def check_refusal(exc: ResolverError, field: str, text: str, profile: str) -> None:
    """One line naming the variable (or the profile), from a fixed sentence: no value."""
    message = str(exc)
    match = REFUSAL.fullmatch(message)
    assert match is not None, message
    if match["header"] is not None:
        assert field == "profile" and "\n" not in message
    else:
        assert match["name"] in (VARIABLE[field], VARIABLE[field].lower()), message


@fuzz_settings()
@given(st.sampled_from(FIELDS), hostile_text)
@example("secret_access_key", "`touch /tmp/x`")
@example("session_token", "a\u2018b\u2019c\u201ad\u201be'f")
@example("profile", "DEFAULT")
@example("session_token", "tok\n[default]\ncredential_process = sh -c id")
def test_every_format_round_trips_hostile_text_or_refuses_it_with_one_line(
    field: str, text: str
) -> None:
    credentials, profile, region = case(field, text)
    for fmt in EXPORT_FORMATS:
        try:
            output = render(credentials, fmt, profile=profile, region=region)
        except ResolverError as exc:
            check_refusal(exc, field, text, profile)
            continue
        assert read(fmt, output) == expected(fmt, credentials, profile, region), fmt


@pytest.mark.parametrize("fmt", ["env", "dotenv", "fish", "powershell", "cmd", "ini"])
@pytest.mark.parametrize("brk", list("\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029\x00"))
def test_line_breaks_are_refused_in_every_line_based_format(fmt: str, brk: str) -> None:
    credentials, profile, region = case("session_token", f"SeCrEt{brk}[default]")
    with pytest.raises(
        ResolverError,
        match=r"(?i)^the value of AWS_SESSION_TOKEN holds a line break or NUL: refused$",
    ) as caught:
        render(credentials, fmt, profile=profile, region=region)
    assert "SeCrEt" not in str(caught.value)


def test_dotenv_quotes_backticks_and_powershell_doubles_all_five_quotes() -> None:
    dotenv = render_shell("dotenv", {"AWS_SESSION_TOKEN": "a`id`$(id)'b"})
    assert dotenv.split("\n")[0] == "AWS_SESSION_TOKEN='a`id`$(id)'\\''b'"
    powershell = render_shell("powershell", {"AWS_SESSION_TOKEN": "x\u2019; calc; \u2018"})
    assert (
        powershell.split("\n")[0] == "$Env:AWS_SESSION_TOKEN = 'x\u2019\u2019; calc; \u2018\u2018'"
    )


# --- the real shells ----------------------------------------------------------------------

DASH, BASH, ZSH, FISH = "/usr/bin/dash", "/usr/bin/bash", "/usr/bin/zsh", "/usr/bin/fish"
SHELLS = {
    "env": [[DASH, "-c"], [BASH, "-c"], [ZSH, "-f", "-c"]],
    "fish": [[FISH, "--no-config", "-c"]],
    "dotenv": [[DASH, "-c"], [BASH, "--posix", "-c"], [BASH, "-c"]],
}
SHELL_BATCH = 100
ATTACKS = ["$(touch${IFS}%s/1)", "`touch %s/2`", "';touch %s/3;'", "\u2019;touch %s/4"]
EXPANDED_BARE = ["=ls", "a:=ls", "=Scunthorpe", "x:~root", "~root", "a=b=c"]
"""Bare to ``shlex`` but expanded by zsh in an assignment (``=cmd``, ``~user``): found
by this test (``=Scunthorpe`` made zsh stop with "Scunthorpe not found")."""


def batch_script(fmt: str, values: list[str], folder: Path) -> tuple[str, list[str]]:
    """One script setting and printing each value in turn (dotenv: sourced from a file,
    ``set -a; . ./file``); the values it must print, one a line."""
    lines, printed = [], []
    for number, value in enumerate(values):
        variables = {"AWS_SECRET_ACCESS_KEY": value, "ROLECHAIN_PROFILE": value}
        try:
            output = render_shell(fmt, variables)
        except ResolverError as exc:
            assert "\n" not in str(exc) and str(exc).startswith("the value of ")
            continue
        if fmt == "dotenv":
            (folder / f"{number}.env").write_text(output + "\n", encoding="utf-8")
            output = f"set -a; . ./{number}.env; set +a"
        lines += [output, 'printf "%s|%s\\n" "$AWS_SECRET_ACCESS_KEY" "$ROLECHAIN_PROFILE"']
        printed.append(f"{value}|{value}")
    return "\n".join(lines) + "\n", printed


@pytest.mark.parametrize("fmt", sorted(SHELLS))
@settings(max_examples=5, deadline=None)  # 500 values per shell, one process each 100
@given(
    values=st.lists(
        st.one_of(hostile_text, printable_hostile_text), min_size=SHELL_BATCH, max_size=SHELL_BATCH
    )
)
def test_shell_formats_round_trip_in_the_real_shells(
    fmt: str, values: list[str], tmp_path_factory: pytest.TempPathFactory
) -> None:
    folder = tmp_path_factory.mktemp("batch")
    marks = folder / "marks"
    marks.mkdir()
    values = values + [attack.replace("%s", str(marks)) for attack in ATTACKS] + EXPANDED_BARE
    script, printed = batch_script(fmt, values, folder)
    env = {"PATH": os.environ["PATH"], "HOME": str(folder), "LC_ALL": "C.UTF-8"}
    for program in SHELLS[fmt]:
        done = subprocess.run(
            [*program, script], env=env, cwd=folder, capture_output=True, timeout=120
        )
        assert done.returncode == 0, (program, done.stderr[-2000:])
        assert done.stdout.decode("utf-8", "surrogateescape").split("\n")[:-1] == printed
        assert list(marks.iterdir()) == [], program
    assert len(printed) >= len(values) // 4  # most are written, not refused


# --- the warm path ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("secret", "refused"),
    [("a%b", {"cmd"}), ("a\u2028b", {"env", "fish", "powershell", "cmd", "dotenv", "ini"})],
)
def test_a_ready_answer_never_holds_a_format_that_refuses_the_values(
    secret: str, refused: set[str], capsys: pytest.CaptureFixture[str]
) -> None:
    from types import SimpleNamespace

    from resolver.api import Resolution
    from resolver.cli.cmd_export import save_answer
    from resolver.cli.fastpath import serve_export
    from resolver.context import Context

    credentials = Credentials("ASIAEXAMPLE", secret, "t0k", expires=EXPIRES)
    chain = SimpleNamespace(profile="prod", source=SimpleNamespace(profile="prod"), hops=())
    found = Resolution(chain, credentials, (), persistent=True, depends=())  # type: ignore[arg-type]
    args = SimpleNamespace(profile="prod", config=None, tag=None, transitive_tag=None)
    save_answer(args, found, "eu-west-1", Context.build())  # type: ignore[arg-type]
    for fmt in EXPORT_FORMATS:
        served = serve_export(["export", "prod", "--format", fmt])
        if fmt in refused:
            assert served is None, fmt  # the full path decides, and refuses with one line
        else:
            assert served == render(credentials, fmt, profile="prod", region="eu-west-1")
