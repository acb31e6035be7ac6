"""A problem in one profile fails that profile and the chains through it, never the
others (INI ones included): they resolve, with the problem as a warning on stderr, once.
A file that does not parse at all still stops everything, with its file:line."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import resolver
from resolver.config.profile_table import PROFILE_KEYS
from resolver.errors import ChainError, ConfigError
from tests.chain.text_plan import plan_text, write_files
from tests.hostile import fuzz_settings

ROOT = Path(__file__).resolve().parents[2]
ROLE = "arn:aws:iam::111111111111:role/r"
BASE = ["[profile base]", "aws_access_key_id = AKIDBASE", "aws_secret_access_key = base-secret"]

# A key that is not one: a real key with one letter dropped, doubled or a random word.
real_key = st.sampled_from(sorted(PROFILE_KEYS - {"extends"}))
typo = st.one_of(
    real_key.flatmap(
        lambda key: st.integers(0, len(key) - 1).map(lambda i: key[:i] + key[i + 1 :])
    ),
    real_key.map(lambda key: key + key[-1]),
    st.from_regex(r"[a-z][a-z_]{2,12}", fullmatch=True),
).filter(lambda key: key not in PROFILE_KEYS and key != "aws" and key != "extends")


@st.composite
def chains(draw: st.DrawFn) -> tuple[dict[str, str | None], str, str]:
    """TOML profiles t1..tn, each assuming a role from ``base`` (INI) or an earlier one:
    {name: its source_profile}, the profile given a bad key, and the key."""
    count = draw(st.integers(1, 6))
    sources: dict[str, str | None] = {"base": None}
    for n in range(1, count + 1):
        sources[f"t{n}"] = draw(st.sampled_from(sorted(sources)))
    bad = draw(st.sampled_from(sorted(name for name in sources if name != "base")))
    return sources, bad, draw(typo)


def _through(sources: dict[str, str | None], name: str, bad: str) -> bool:
    current: str | None = name
    while current is not None:
        if current == bad:
            return True
        current = sources[current]
    return False


def _toml(sources: dict[str, str | None], bad: str, key: str) -> list[str]:
    lines: list[str] = []
    for name, source in sources.items():
        if source is None:
            continue
        lines += [f"[profiles.{name}]", f'role_arn = "{ROLE}"', f'source_profile = "{source}"']
        if name == bad:
            lines.append(f'{key} = "x"')
    return lines


@fuzz_settings(60)
@given(chains())
def test_a_bad_key_fails_only_the_chains_through_its_profile(
    tmp_path_factory: pytest.TempPathFactory, drawn: tuple[dict[str, str | None], str, str]
) -> None:
    sources, bad, key = drawn
    directory = tmp_path_factory.mktemp("files")
    toml = _toml(sources, bad, key)
    for name in sources:
        if _through(sources, name, bad):
            with pytest.raises(ConfigError) as caught:
                plan_text(directory, name, ini=BASE, toml=toml)
            assert caught.value.reason == "unknown-key"
            assert (caught.value.profile, caught.value.key) == (bad, key)
            assert caught.value.file and caught.value.file.endswith("rolechain.toml")
            assert caught.value.line == toml.index(f'{key} = "x"') + 1
        else:
            chain = plan_text(directory, name, ini=BASE, toml=toml)
            assert chain.profile == name and chain.source.profile == "base"


def test_the_library_resolves_unaffected_profiles_and_raises_for_affected_ones(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    toml = ["[profiles.t1]", 'source_profle = "base"', f'role_arn = "{ROLE}"']
    config, environ = write_files(tmp_path, ini=BASE, toml=toml)
    environ["ROLECHAIN_CONFIG"] = config
    with caplog.at_level(logging.WARNING, logger="rolechain"):
        credentials = resolver.resolve("base", environ=environ)
        assert credentials.access_key_id == "AKIDBASE"
        assert resolver.plan("base", environ=environ).profile == "base"
    warned = [record.getMessage() for record in caplog.records]
    assert warned == [
        f"rolechain: {config}:2: warning: profile t1: source_profle: unknown key; "
        "did you mean source_profile?"
    ]  # once, however many calls
    with pytest.raises(ConfigError) as caught:
        resolver.resolve("t1", environ=environ)
    assert (caught.value.reason, caught.value.line) == ("unknown-key", 2)
    assert "did you mean source_profile?" in str(caught.value)


def test_other_profile_problems_fail_only_their_profile(tmp_path: Path) -> None:
    """Every kind of problem a profile can have, beside a good INI profile."""
    toml = [
        "[profiles.a]",
        'extends = "nope"',  # missing template
        "[profiles.base]",  # also in the INI file
        'region = "eu-west-1"',
        "[profiles]",
        "c = 5",  # not a table
        "[sso_sessions.s]",
        'sso_regio = "x"',
        "[profiles.d]",
        'sso_session = "s"',
        'sso_account_id = "123456789012"',
        'sso_role_name = "Admin"',
    ]
    ini = [*BASE, "[profile ok]", "region = eu-west-1", *BASE[1:]]
    assert plan_text(tmp_path, "ok", ini=ini, toml=toml).source.profile == "ok"
    for name, reason in (
        ("a", "missing-template"),
        ("base", "duplicate-profile"),
        ("c", "config-error"),
        ("d", "unknown-key"),
    ):
        with pytest.raises(ConfigError) as caught:
            plan_text(tmp_path, name, ini=ini, toml=toml)
        assert caught.value.reason == reason, name


def test_a_file_that_does_not_parse_still_stops_everything(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        plan_text(tmp_path, "base", ini=BASE, toml=["[profiles.a]", "x = "])
    assert caught.value.reason == "invalid-toml" and caught.value.line == 2


def test_a_missing_profile_beside_a_file_level_problem_names_the_problem(tmp_path: Path) -> None:
    """``[profile.a]`` (not ``profiles``) hides profile a: asking for it names the typo."""
    with pytest.raises(ConfigError) as caught:
        plan_text(tmp_path, "a", ini=BASE, toml=["[profile.a]", 'region = "x"'])
    assert caught.value.reason == "unknown-key" and "did you mean 'profiles'" in str(caught.value)
    assert plan_text(tmp_path, "base", ini=BASE, toml=["[profile.a]"]).profile == "base"


def test_the_cli_warns_once_with_file_and_line_and_exports(tmp_path: Path) -> None:
    """The issue's case: an INI profile through ``credential_process`` beside a TOML typo."""
    toml = ["[profiles.t1]", 'source_profle = "base"', f'role_arn = "{ROLE}"']
    config, environ = write_files(tmp_path, ini=BASE, toml=toml)
    environ.update(ROLECHAIN_CONFIG=config, PYTHONPATH=str(ROOT), PATH=os.environ["PATH"])
    environ["ROLECHAIN_CACHE_DIR"] = str(tmp_path / "cache")
    command = [sys.executable, "-m", "resolver", "export", "base", "--format", "json"]
    done = subprocess.run(command, env=environ, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert '"AWS_ACCESS_KEY_ID": "AKIDBASE"' in done.stdout
    warning = f"{config}:2: warning: profile t1: source_profle: unknown key"
    assert done.stderr.count(warning) == 1, done.stderr
    command[4] = "t1"
    done = subprocess.run(command, env=environ, capture_output=True, text=True, check=False)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"rolechain: error: {config}:2: profile t1: source_profle: unknown key; "
        "did you mean source_profile?"
    ]


def test_role_arn_without_a_source_suggests_the_typo(tmp_path: Path) -> None:
    """Item 11: the INI key that is not one, named in the missing-source error."""
    ini = [*BASE, "[profile r]", f"role_arn = {ROLE}", "source_profle = base"]
    with pytest.raises(ChainError) as caught:
        plan_text(tmp_path, "r", ini=ini)
    assert caught.value.reason == "missing-source"
    assert str(caught.value).endswith(
        "role_arn needs source_profile or credential_source; "
        "source_profle is not a key: did you mean source_profile?"
    )
    ini[-1] = "region = eu-west-1"  # nothing close: no hint
    with pytest.raises(ChainError) as caught:
        plan_text(tmp_path, "r", ini=ini)
    assert str(caught.value).endswith("role_arn needs source_profile or credential_source")


def test_validate_reports_every_finding_with_its_place_sorted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Item 5: every duplicate (not only the first), the missing source_profile at its
    line, sorted by file, line, then profile; the summary counts them all."""
    from resolver.cli.main import main

    ini = [*BASE, "[profile a]", *BASE[1:], "[profile b]", *BASE[1:]]
    ini += ["[profile r]", f"role_arn = {ROLE}", "source_profile = nosuch"]
    toml = ["[profiles.b]", 'region = "eu-west-1"', "[profiles.a]", 'region = "eu-west-1"']
    config, environ = write_files(tmp_path, ini=ini, toml=toml)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    assert main(["--config", config, "validate"]) == 1
    captured = capsys.readouterr()
    ini_file = environ["AWS_CONFIG_FILE"]
    assert captured.out.splitlines() == [
        f"{ini_file}:12: profile r: source_profile: source profile 'nosuch' does not exist, "
        "referenced from r",
        f"{config}:1: profile b: defined in both {ini_file}:7 and {config}:1; rename one",
        f"{config}:3: profile a: defined in both {ini_file}:4 and {config}:3; rename one",
    ]
    assert captured.err.splitlines()[-1] == "4 profile(s) checked: 3 error(s), 0 warning(s)"


def test_a_bom_is_read_but_validate_warns_that_the_sdks_fail_on_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Item 6: botocore (so boto3 and the AWS CLI) refuses a file that starts with a BOM."""
    import botocore.exceptions
    import botocore.session

    config, environ = write_files(tmp_path, ini=BASE)
    ini_file = Path(environ["AWS_CONFIG_FILE"])
    ini_file.write_bytes(b"\xef\xbb\xbf" + ini_file.read_bytes())
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(botocore.exceptions.ConfigParseError):
        botocore.session.Session(profile="base").get_credentials()
    from resolver.cli.main import main

    assert main(["--config", config, "validate"]) == 0
    captured = capsys.readouterr()
    assert captured.out.splitlines() == [
        f"{ini_file}:1: warning: the file starts with a UTF-8 byte order mark (bytes EF BB BF, "
        "U+FEFF): rolechain skips it, but boto3, botocore and the AWS CLI fail on it "
        '("Unable to parse config file"); save the file as UTF-8 without a BOM'
    ]
    assert captured.err.endswith("1 profile(s) checked: 0 error(s), 1 warning(s)\n")
    assert resolver.plan("base", config=config).source.profile == "base"


def test_dev_null_reads_as_empty_other_special_files_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Item 6: ``AWS_SHARED_CREDENTIALS_FILE=/dev/null`` (and the config file) is empty;
    a symlink to it too (the device decides, not the name); a FIFO or /dev/zero is not."""
    from resolver.config.loading import load_profiles

    (tmp_path / "null-link").symlink_to(os.devnull)
    config, environ = write_files(tmp_path, ini=BASE)
    for name in (os.devnull, str(tmp_path / "null-link")):
        assert load_profiles(config, {**environ, "AWS_SHARED_CREDENTIALS_FILE": name}).names() == [
            "base"
        ]
        assert load_profiles(config, {**environ, "AWS_CONFIG_FILE": name}).names() == []
    os.mkfifo(tmp_path / "fifo")
    for name in (str(tmp_path / "fifo"), "/dev/zero"):
        with pytest.raises(ConfigError) as caught:
            load_profiles(config, {**environ, "AWS_SHARED_CREDENTIALS_FILE": name})
        assert caught.value.reason == "unreadable-file" and "not a regular file" in str(
            caught.value
        )
