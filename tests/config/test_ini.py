"""The INI source: the cross-SDK profile-file rules, errors, warnings, paths, laziness."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from resolver.config.findings import Location
from resolver.config.sources.files import check_ini, ini_paths, load_ini
from resolver.config.sources.ini import FileKind, IniDocument, parse_ini, raw_config
from resolver.config.sources.ini_write import dump_ini
from resolver.config.sources.raw import RawConfig
from resolver.errors import ConfigError


def parse(text: str, kind: FileKind = "config", path: str = "cfg") -> RawConfig:
    warnings: list[Any] = []
    return raw_config([parse_ini(text, path=path, kind=kind, warnings=warnings)], warnings)


def profiles(raw: RawConfig) -> dict[str, dict[str, Any]]:
    return {name: section.plain() for name, section in raw.profiles.items()}


def messages(raw: RawConfig) -> list[str]:
    return [str(finding) for finding in raw.warnings]


def both(tmp_path: Path, config: str | None = None, credentials: str | None = None) -> RawConfig:
    config_file, credentials_file = tmp_path / "config", tmp_path / "credentials"
    if config is not None:
        config_file.write_text(config, encoding="utf-8")
    if credentials is not None:
        credentials_file.write_text(credentials, encoding="utf-8")
    return load_ini(config_file, credentials_file)


# -- the profile-file rules, case by case: (config text, credentials text, profiles) ------

RULES = {
    "empty file": ("", "", {}),
    "empty profile": ("[profile foo]", "", {"foo": {}}),
    "properties": (
        "[profile foo]\nname = value\nname2 = value2",
        "",
        {"foo": {"name": "value", "name2": "value2"}},
    ),
    "equals sign in value": ("[profile foo]\nname = val=ue", "", {"foo": {"name": "val=ue"}}),
    "unicode value": ("[profile foo]\nname = 😂 é", "", {"foo": {"name": "😂 é"}}),
    "keys and values trimmed": (
        "[profile foo]\nname \t=  \tvalue \t",
        "",
        {"foo": {"name": "value"}},
    ),
    "empty value": ("[profile foo]\nname =", "", {"foo": {"name": ""}}),
    "keys lower-cased, values not": (
        "[profile foo]\nRegion = US-East-1",
        "",
        {"foo": {"region": "US-East-1"}},
    ),
    "profile name keeps case": ("[profile Foo]\na = 1", "", {"Foo": {"a": "1"}}),
    "blank lines ignored": (
        "\t \n[profile foo]\n\t\n \nname = value\n\t \n[profile bar]\n \t",
        "",
        {"foo": {"name": "value"}, "bar": {}},
    ),
    "whole-line comments": (
        "# c\n; c\n[profile foo]\n# name = no\n;name = no\nname = v",
        "",
        {"foo": {"name": "v"}},
    ),
    "comment after header": (
        "[profile foo] ; c\n[profile bar] # c\n[profile baz];c\n[profile qux]#c",
        "",
        {"foo": {}, "bar": {}, "baz": {}, "qux": {}},
    ),
    "comment after value needs whitespace": (
        "[profile foo]\na = value ;c\nb = value\t# c # d\nc = va;lue\nd = va#lue\ne = ;x",
        "",
        {"foo": {"a": "value", "b": "value", "c": "va;lue", "d": "va#lue", "e": ""}},
    ),
    "continuation": (
        "[profile foo]\nname = value\n -continued\n \t -and-continued \t",
        "",
        {"foo": {"name": "value\n-continued\n-and-continued"}},
    ),
    "continuation keeps comment text": (
        "[profile foo]\nname = value\n -more # c ; d",
        "",
        {"foo": {"name": "value\n-more # c ; d"}},
    ),
    "sub-properties": (
        "[profile foo]\ns3 =\n  Name = value\n\t \n  other=2 \n  empty =",
        "",
        {"foo": {"s3": {"Name": "value", "other": "2", "empty": ""}}},
    ),
    "sub-property value keeps comment text": (
        "[profile foo]\ntags =\n  a = b ; c",
        "",
        {"foo": {"tags": {"a": "b ; c"}}},
    ),
    "sub-property names are not validated": (
        "[profile foo]\ntags =\n  in valid = x",
        "",
        {"foo": {"tags": {"in valid": "x"}}},
    ),
    "header whitespace and tabs": (
        "[   profile  \tfoo  ]\na = 1\n[profile\tbar]",
        "",
        {"foo": {"a": "1"}, "bar": {}},
    ),
    "repeated sections merge, last key wins": (
        "[profile foo]\na = 1\nb = 1\n[profile bar]\n[profile foo]\nb = 2\nc = 2",
        "",
        {"foo": {"a": "1", "b": "2", "c": "2"}, "bar": {}},
    ),
    "repeated key in a section": ("[profile foo]\na = 1\na = 2", "", {"foo": {"a": "2"}}),
    "continuation resets at a header": (
        "[profile foo]\na = 1\n[profile foo]\nb = 2",
        "",
        {"foo": {"a": "1", "b": "2"}},
    ),
    "all valid name characters": (
        "[profile AZaz09-_/.%@:+]\nAZaz09-_/.%@:+ = v",
        "",
        {"AZaz09-_/.%@:+": {"azaz09-_/.%@:+": "v"}},
    ),
    "invalid profile name ignored": (
        "[profile in valid]\na = 1\n[profile ok]\nb = 2",
        "[bad!name]\nc = 3",
        {"ok": {"b": "2"}},
    ),
    "invalid key ignored": (
        "[profile foo]\nin valid = 1\nbad! = 2\nok = 3",
        "",
        {"foo": {"ok": "3"}},
    ),
    "continuation of an invalid key is dropped with it": (
        "[profile foo]\nbad! = 1\n  more\nok = 3",
        "",
        {"foo": {"ok": "3"}},
    ),
    "config section without prefix ignored": ("[foo]\na = 1", "", {}),
    "sneaky prefix": ("[profilefoo]\na = 1\n[profile bar]", "", {"bar": {}}),
    "profile prefix is case-sensitive": ("[Profile foo]\na = 1", "", {}),
    "credentials profile prefix ignored": (
        "",
        "[profile foo]\na = 1\n[bar]\nb = 2",
        {"bar": {"b": "2"}},
    ),
    "credentials header whitespace": ("", "[   foo    ]\na = 1", {"foo": {"a": "1"}}),
    "default in both files": (
        "[default]\na = 1\nb = 1",
        "[default]\nb = 2",
        {"default": {"a": "1", "b": "2"}},
    ),
    "profile default wins when first": (
        "[profile default]\na = 1\n[default]\nb = 2",
        "",
        {"default": {"a": "1"}},
    ),
    "profile default wins when last": (
        "[default]\nb = 2\n[profile default]\na = 1",
        "",
        {"default": {"a": "1"}},
    ),
    "profile default sections still merge": (
        "[profile default]\na = 1\n[default]\nb = 2\n[profile default]\nc = 3",
        "[default]\nd = 4",
        {"default": {"a": "1", "c": "3", "d": "4"}},
    ),
    "credentials win per key": (
        "[profile foo]\na = 1\nb = 1",
        "[foo]\nb = 2\nc = 2",
        {"foo": {"a": "1", "b": "2", "c": "2"}},
    ),
    "credentials-only profile": (
        "",
        "[foo]\naws_access_key_id = AKIA",
        {"foo": {"aws_access_key_id": "AKIA"}},
    ),
}


@pytest.mark.parametrize("case", RULES, ids=list(RULES))
def test_profile_file_rules(tmp_path: Path, case: str) -> None:
    config, credentials, expected = RULES[case]
    raw = both(tmp_path, config, credentials)
    assert profiles(raw) == expected
    assert all(section.format == "ini" for section in raw.profiles.values())


def test_crlf_line_endings(tmp_path: Path) -> None:
    (tmp_path / "config").write_bytes(
        b"[profile foo]\r\nname = value \r\ntags =\r\n  a = b\r\n\r\n[profile bar] ; c\r\nx = 1"
    )
    raw = load_ini(tmp_path / "config", tmp_path / "none")
    assert profiles(raw) == {"foo": {"name": "value", "tags": {"a": "b"}}, "bar": {"x": "1"}}
    assert raw.profiles["bar"].where()["x"] == Location(str(tmp_path / "config"), 7)


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    (tmp_path / "config").write_bytes("\ufeff[profile foo]\nname = ü\n".encode())
    raw = load_ini(tmp_path / "config", tmp_path / "none")
    assert profiles(raw) == {"foo": {"name": "ü"}}
    assert raw.profiles["foo"].location.line == 1
    assert profiles(parse("\ufeff[profile bar]\nname = ü")) == {"bar": {"name": "ü"}}


def test_non_utf8_file_is_an_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "credentials"
    path.write_bytes(b"[default]\naws_access_key_id = AK\xff\xfe\n")
    with pytest.raises(ConfigError) as caught:
        load_ini(tmp_path / "none", path)
    assert caught.value.file == str(path)
    assert caught.value.line == 2
    assert "UTF-8" in caught.value.message


def test_header_errors_raise_at_load_with_file_and_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        both(tmp_path, "[profile a]\nx = 1\n\n[profile b\ny = 2")
    assert (caught.value.file, caught.value.line) == (str(tmp_path / "config"), 4)
    assert "]" in caught.value.message and "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("name = value\n[profile a]", 1, "section header"),
        ("# comment\n\n  -continued\n[profile a]", 3, "section header"),
        ("[profile a\n", 1, "]"),
        ("[profile a] junk", 1, "]"),
        ("[", 1, "]"),
    ],
)
def test_header_level_errors(text: str, line: int, fragment: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_ini(text, path="cfg", kind="config")
    assert (caught.value.file, caught.value.line) == ("cfg", line)
    assert fragment in caught.value.message


@pytest.mark.parametrize(
    ("body", "line", "fragment"),
    [
        ("[profile a]\nkey : value", 2, "'='"),
        ("[profile a]\n= value", 2, "no key"),
        ("[profile a]\n -continued", 2, "continuation"),
        ("[profile a]\nx = 1\n[profile a]\n -continued", 4, "continuation"),
        ("[profile a]\ns3 =\n invalid", 3, "sub-property"),
        ("[profile a]\ns3 =\n = value", 3, "sub-property"),
        ("[profile a]\n  # indented comment is a continuation", 2, "continuation"),
    ],
)
def test_body_errors_raise_when_the_section_is_read(body: str, line: int, fragment: str) -> None:
    raw = parse(body)
    assert "a" in raw.profiles  # listing does not parse bodies
    with pytest.raises(ConfigError) as caught:
        raw.profiles["a"]
    assert (caught.value.file, caught.value.line) == ("cfg", line)
    assert fragment in caught.value.message


def test_error_messages_never_quote_secret_values() -> None:
    secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    raw = parse(f"[profile a]\naws_secret_access_key {secret}\n[profile b]\n x = {secret}")
    for name in ("a", "b"):
        with pytest.raises(ConfigError) as caught:
            raw.profiles[name]
        assert secret not in str(caught.value)
    raw = parse(f"[profile a]\naws_secret_access_key {secret} = x")
    assert raw.profiles["a"].plain() == {}
    assert len(raw.warnings) == 1
    assert secret not in messages(raw)[0]
    assert "aws_secret_access_key" in messages(raw)[0]


def test_locations_are_key_lines_and_first_header(tmp_path: Path) -> None:
    raw = both(
        tmp_path,
        "# top\n[profile a]\nx = 1\ntags =\n  k = v\n[profile b]\n[profile a]\ny = 2\n",
        "\n[a]\nx = 3\n",
    )
    config, credentials = str(tmp_path / "config"), str(tmp_path / "credentials")
    section = raw.profiles["a"]
    assert section.location == Location(config, 2)
    assert section.where() == {
        "x": Location(credentials, 3),
        "tags": Location(config, 4),
        "y": Location(config, 8),
    }
    assert raw.profiles["b"].location == Location(config, 6)
    assert raw.files == (config, credentials)


def test_credentials_only_profile_is_located_in_credentials(tmp_path: Path) -> None:
    raw = both(tmp_path, "[profile a]\n", "[b]\nx = 1\n")
    assert raw.profiles["b"].location == Location(str(tmp_path / "credentials"), 1)


def test_sso_sessions_and_services(tmp_path: Path) -> None:
    raw = both(
        tmp_path,
        "[sso-session corp]\nsso_start_url = https://x\nsso_region = eu-west-1\n"
        "[services local]\nsts =\n  endpoint_url = http://localhost:5000\n"
        "[sso-session corp]\nsso_region = us-east-1\n",
        "[sso-session other]\na = 1\n[services x]\n",
    )
    assert {name: s.plain() for name, s in raw.sso_sessions.items()} == {
        "corp": {"sso_start_url": "https://x", "sso_region": "us-east-1"}
    }
    assert raw.services["local"].plain() == {"sts": {"endpoint_url": "http://localhost:5000"}}
    assert list(raw.services) == ["local"]
    assert raw.sso_sessions["corp"].location.line == 1
    assert any("[sso-session other] ignored" in m for m in messages(raw))


@pytest.mark.parametrize(
    ("text", "kind", "fragment", "line"),
    [
        ("[foo]\na = 1", "config", "section [foo] ignored", 1),
        ("[x]\n[default]\n[profile default]", "config", "[default] ignored", 2),
        ("[weird thing]", "config", "unknown section type 'weird'", 1),
        ("[profile a b]", "config", "section [profile a b] ignored", 1),
        ("\n[profile x]", "credentials", "section [profile x] ignored", 2),
        ("[bad!]", "credentials", "section [bad!] ignored", 1),
        ("[]", "credentials", "section [] ignored", 1),
    ],
)
def test_ignored_sections_warn(text: str, kind: FileKind, fragment: str, line: int) -> None:
    raw = parse(text, kind)
    assert raw.profiles.get("x") is None and raw.profiles.get("foo") is None
    matching = [f for f in raw.warnings if fragment in f.message]
    assert matching, messages(raw)
    assert matching[0].severity == "warning"
    assert matching[0].location == Location("cfg", line)


def test_invalid_key_warns_when_its_section_is_read() -> None:
    raw = parse("[profile a]\nok = 1\nin valid = 2\n[profile b]\nbad! = 3")
    assert raw.warnings == []
    assert raw.profiles["a"].plain() == {"ok": "1"}
    assert len(raw.warnings) == 1
    finding = raw.warnings[0]
    assert (finding.profile, finding.location) == ("a", Location("cfg", 3))
    assert "'in'" in finding.message
    raw.profiles["a"]  # cached: no duplicate warning
    assert len(raw.warnings) == 1


def test_lazy_access_ignores_malformed_unrelated_sections() -> None:
    raw = parse("[profile good]\nx = 1\n[profile bad]\nno equals here\n[profile other]\ny = 2")
    assert list(raw.profiles) == ["good", "bad", "other"]
    assert len(raw.profiles) == 3
    assert raw.profiles["good"].plain() == {"x": "1"}
    assert raw.profiles["other"].plain() == {"y": "2"}
    with pytest.raises(ConfigError):
        raw.profiles["bad"]
    with pytest.raises(KeyError):
        raw.profiles["missing"]
    assert "missing" not in raw.profiles


def test_bodies_are_parsed_only_on_access(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    original = IniDocument._parse_body

    def counting(self: IniDocument, chunk: int, label: str | None, profile: str | None) -> Any:
        calls.append(chunk)
        return original(self, chunk, label, profile)

    monkeypatch.setattr(IniDocument, "_parse_body", counting)
    text = "".join(f"[profile p{i}]\nregion = r{i}\n" for i in range(1000))
    raw = parse(text + "[profile p5]\nextra = 1\n")
    assert "p999" in raw.profiles and len(raw.profiles) == 1000
    assert calls == []
    assert raw.profiles["p5"].plain() == {"region": "r5", "extra": "1"}
    assert sorted(calls) == [6, 1001]
    raw.profiles["p5"]
    assert len(calls) == 2


def test_check_all_reports_every_malformed_line() -> None:
    text = (
        "[profile a]\nno equals\n x\n= v\n[profile b]\nok = 1\n[profile c\n"
        "[foo]\nignored but malformed\n[sso-session s]\n  stray\n"
    )
    document = parse_ini(text, path="cfg", kind="config", strict=False)
    errors = document.check_all()
    assert [error.line for error in errors] == [2, 4, 7, 9, 11]
    assert all(error.file == "cfg" for error in errors)
    with pytest.raises(ConfigError):
        parse_ini(text, path="cfg", kind="config")


def test_check_ini_collects_errors_and_warnings_from_both_files(tmp_path: Path) -> None:
    (tmp_path / "config").write_text("[profile a]\nbad\n[foo]\n[profile b]\nin valid = 1\n")
    (tmp_path / "credentials").write_bytes(b"[x]\na = \xff\n")
    findings = check_ini(tmp_path / "config", tmp_path / "credentials")
    summary = sorted(
        (f.severity, Path(f.location.file).name, f.location.line)
        for f in findings
        if f.location is not None
    )
    assert len(summary) == len(findings)
    assert summary == [
        ("error", "config", 2),
        ("error", "credentials", 2),
        ("warning", "config", 3),
        ("warning", "config", 5),
    ]
    assert check_ini(tmp_path / "none", tmp_path / "none2") == []


def test_missing_files_are_empty(tmp_path: Path) -> None:
    raw = load_ini(tmp_path / "no-config", tmp_path / "no-credentials")
    assert (dict(raw.profiles), dict(raw.sso_sessions), raw.warnings, raw.files) == ({}, {}, [], ())


def test_directory_instead_of_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_ini(tmp_path, tmp_path / "none")
    assert caught.value.file == str(tmp_path)


def test_paths_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "cfg"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "creds"))
    assert ini_paths(os.environ) == (tmp_path / "cfg", tmp_path / "creds")
    (tmp_path / "cfg").write_text("[profile a]\nx = 1\n")
    (tmp_path / "creds").write_text("[a]\ny = 2\n")
    assert profiles(load_ini(*ini_paths(os.environ))) == {"a": {"x": "1", "y": "2"}}


def test_default_paths_expand_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_CONFIG_FILE", raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "")  # empty means unset
    monkeypatch.setenv("HOME", str(tmp_path))
    assert ini_paths(os.environ) == (
        tmp_path / ".aws" / "config",
        tmp_path / ".aws" / "credentials",
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", "~/elsewhere")
    assert ini_paths(os.environ)[0] == tmp_path / "elsewhere"
    (tmp_path / ".aws").mkdir()
    (tmp_path / ".aws" / "credentials").write_text("[default]\nk = v\n")
    assert profiles(load_ini(*ini_paths(os.environ))) == {"default": {"k": "v"}}


def test_explicit_paths_override_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "env"))
    (tmp_path / "env").write_text("[profile env]\n")
    (tmp_path / "mine").write_text("[profile mine]\n")
    assert list(load_ini(tmp_path / "mine", tmp_path / "none").profiles) == ["mine"]


def test_dump_writes_config_syntax() -> None:
    text = dump_ini(
        {"default": {"region": "eu-west-1"}, "dev": {"role_arn": "arn", "tags": {"A": "b"}}},
        sso_sessions={"corp": {"sso_region": "x"}},
        services={"local": {"sts": {"endpoint_url": "http://h"}}},
    )
    assert text == (
        "[default]\nregion = eu-west-1\n\n[profile dev]\nrole_arn = arn\ntags =\n  A = b\n\n"
        "[sso-session corp]\nsso_region = x\n\n[services local]\nsts =\n  endpoint_url = http://h\n"
    )


@pytest.mark.parametrize(
    "values",
    [
        {"Upper": "x"},
        {"bad key": "x"},
        {"k": " padded"},
        {"k": "a #comment"},
        {"k": "#looks like a comment"},
        {"k": "a\n\nb"},
        {"k": "\nb"},
        {"k": "a\rb"},
        {"k": {}},
        {"k": {"a=b": "c"}},
        {"k": {"a #x": "c"}},
        {"k": {"a": "two\nlines"}},
    ],
)
def test_dump_rejects_what_ini_cannot_hold(values: dict[str, Any]) -> None:
    with pytest.raises(ValueError) as caught:
        dump_ini({"p": values})
    for value in values.values():
        if isinstance(value, str) and value.strip():
            assert value not in str(caught.value)
    with pytest.raises(ValueError):
        dump_ini({"bad name": {}})


NAMES = st.text("abcXYZ019-_/.%@:+", min_size=1, max_size=8)
KEYS = st.text("abcz019-_/.%@+", min_size=1, max_size=8)  # ':' would split it for configparser
PRINTABLE = st.one_of(st.characters(blacklist_categories=("C", "Z")), st.just(" "))
LINE = st.text(PRINTABLE, max_size=12).map(str.strip)  # what every reader keeps as it is
PLAIN = st.one_of(
    LINE.filter(lambda s: "#" not in s and ";" not in s),
    st.lists(LINE.filter(lambda s: bool(s) and s[0] not in "#;"), min_size=2, max_size=3)
    .map("\n".join)
    .filter(lambda s: "#" not in s.split("\n")[0] and ";" not in s.split("\n")[0]),
)
BLOCK = st.dictionaries(
    LINE.filter(lambda s: bool(s) and "=" not in s and "#" not in s and ";" not in s),
    LINE,
    min_size=1,
    max_size=3,
)
SECTIONS = st.dictionaries(NAMES, st.dictionaries(KEYS, st.one_of(PLAIN, BLOCK), max_size=4))


@settings(max_examples=200, deadline=None)
@given(profiles_=SECTIONS, sessions=SECTIONS, services=SECTIONS)
def test_dump_parse_round_trip(
    profiles_: dict[str, Any], sessions: dict[str, Any], services: dict[str, Any]
) -> None:
    raw = parse(dump_ini(profiles_, sessions, services))
    assert profiles(raw) == profiles_
    assert {n: s.plain() for n, s in raw.sso_sessions.items()} == sessions
    assert {n: s.plain() for n, s in raw.services.items()} == services
    assert raw.warnings == []
