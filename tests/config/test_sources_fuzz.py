"""Arbitrary text into both parsers: a clean parse or a ConfigError, never anything else."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from resolver.config.sources.ini import FileKind, parse_ini, raw_config
from resolver.config.sources.tomlfile import parse_toml
from resolver.errors import ConfigError

INI_PIECES = [
    "[profile a]",
    "[default]",
    "[profile default]",
    "[a]",
    "[sso-session s]",
    "[services x]",
    "[profile",
    "[]",
    "[ profile  b ] ; c",
    "[x y z]",
    "k = v",
    "K=V",
    "= v",
    "key",
    "k =",
    "  sub = 1",
    "  cont",
    "\t",
    " ",
    "# c",
    "; c",
    "v ;c",
    "a#b",
    "é",
    "\r",
    "\ufeff",
    "=",
]
TOML_PIECES = [
    "[profiles.a]",
    "[profiles.b]",
    "[templates.t]",
    "[templates.u]",
    '[profiles."q.r"]',
    "[sso_sessions.s]",
    "[services.x.sts]",
    "[[profiles]]",
    'extends = "t"',
    'extends = "u"',
    'extends = ["t", "u"]',
    "extends = 1",
    "version = 1",
    'region = "x"',
    "n = 3",
    "arr = [",
    "1,",
    "]",
    'p = """',
    '"""',
    "tags = { a = 'b' }",
    "a.b = 1",
    "profile = 1",
    "x = ",
    "# c",
    "'",
    '"',
]


def lines_of(pieces: list[str]) -> st.SearchStrategy[str]:
    line = st.one_of(st.sampled_from(pieces), st.text(max_size=12))
    separator = st.sampled_from(["\n", "\r\n", "\n\n", " "])
    return st.lists(st.tuples(line, separator), max_size=14).map(
        lambda parts: "".join(text + sep for text, sep in parts)
    )


TOML_HEADERS = [
    "[profiles.a]",
    "[profiles.b]",
    '[profiles."q.r"]',
    "[templates.t]",
    "[templates.u]",
    "[sso_sessions.s]",
    "[services.x.sts]",
    "[profiles.b.session_tags]",
]
TOML_KEYS = [
    'extends = "t"',
    'extends = "u"',
    'extends = ["u", "t"]',
    'region = "x"',
    "n = 3",
    "arr = [\n  1,\n  [2],\n]",
    "p = '''\nk = 1\n[x]\n'''",
    "tags = { a = 'b' }",
    "a.b = 1",
    '"quoted key" = 1',
    "d = 1979-05-27",
    "f = 1.5 # comment",
]


@st.composite
def structured_toml(draw: st.DrawFn) -> str:
    headers = draw(st.lists(st.sampled_from(TOML_HEADERS), unique=True, max_size=6))
    parts = ["version = 1"] if draw(st.booleans()) else []
    for header in headers:
        keys = draw(st.lists(st.sampled_from(TOML_KEYS), unique_by=lambda k: k[:2], max_size=4))
        parts += [header, *keys]
    return "\n".join(parts) + "\n"


@st.composite
def structured_ini(draw: st.DrawFn) -> str:
    sections = draw(st.lists(st.sampled_from(INI_PIECES[:9]), min_size=1, max_size=5))
    parts: list[str] = []
    for header in sections:
        parts += [header, *draw(st.lists(st.sampled_from(INI_PIECES[9:]), max_size=5))]
    return draw(st.sampled_from(["\n", "\r\n"])).join(parts)


def exercise_ini(text: str, kind: FileKind) -> None:
    """The lazy path (every section read) and the eager full check."""
    try:
        document = parse_ini(text, path="f", kind=kind)
        raw = raw_config([document], document.warnings)
        for mapping in (raw.profiles, raw.sso_sessions, raw.services):
            for name in list(mapping):
                try:
                    section = mapping[name]
                except ConfigError:
                    continue
                assert section.name == name and section.location.line
    except ConfigError:
        pass
    document = parse_ini(text, path="f", kind=kind, strict=False)
    for error in document.check_all():
        assert error.file == "f" and error.line and "\n" not in error.message


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=st.one_of(st.text(), lines_of(INI_PIECES), structured_ini()),
    kind=st.sampled_from(["config", "credentials"]),
)
def test_ini_parser_only_raises_config_error(text: str, kind: FileKind) -> None:
    exercise_ini(text, kind)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.one_of(st.text(), lines_of(TOML_PIECES), structured_toml()))
def test_toml_parser_only_raises_config_error(text: str) -> None:
    try:
        raw = parse_toml(text, path="f")
    except ConfigError as error:
        assert error.file == "f" and "\n" not in error.message
        return
    for mapping in (raw.profiles, raw.sso_sessions, raw.services):
        for name, section in mapping.items():
            assert section.name == name and section.location.file == "f"
    assert not any("extends" in section.values for section in raw.profiles.values())


# --- the hostile shapes: deep nesting, control characters, non-regular files -------------

OPENERS = st.sampled_from(["[", "{a=", "{ 'b' = ", "[1, "])


@st.composite
def deeply_nested_toml(draw: st.DrawFn) -> str:
    """A value nested 1 to 3,000 levels deep (arrays, inline tables, or dotted keys),
    closed or not, in a profile or a template."""
    depth = draw(st.integers(min_value=1, max_value=3000))
    header = draw(st.sampled_from(["[profiles.p]", "[templates.t]", "[sso_sessions.s]"]))
    if draw(st.booleans()):
        key = ".".join(["k"] * depth)
        return f"{header}\n{key} = 1\n"
    openers = draw(st.lists(OPENERS, min_size=depth, max_size=depth))
    closers = ["]" if opener.startswith("[") else "}" for opener in reversed(openers)]
    closed = closers[: draw(st.integers(min_value=0, max_value=depth))]
    return f"{header}\nvalue = {''.join(openers)}1{''.join(closed)}\n"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=deeply_nested_toml())
def test_deep_toml_nesting_only_raises_config_error(text: str) -> None:
    try:
        parse_toml(text, path="f")
    except ConfigError as error:
        assert error.file == "f" and "\n" not in str(error)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(depth=st.integers(min_value=1, max_value=3000), opener=st.sampled_from(["[", '{"a":']))
def test_deep_ini_policy_is_a_finding(depth: int, opener: str) -> None:
    from resolver.chain.limits import check_chain
    from resolver.chain.planner import build_chain
    from tests.plan_support import KEYS, profile_set

    closer = "]" if opener == "[" else "}"
    policy = opener * depth + "1" + closer * depth
    role = {"role_arn": "arn:aws:iam::123456789012:role/r", "source_profile": "b"}
    chain = build_chain(profile_set({"b": KEYS, "a": {**role, "policy": policy}}), "a")
    findings = check_chain(chain)  # no RecursionError, whatever the depth
    assert all(f.key == "policy" for f in findings)


CONTROL_OR_BRACKET = st.characters(categories=["Cc", "Cf", "Zl", "Zp"]) | st.sampled_from("[]")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    before=st.text(max_size=4),
    bad=CONTROL_OR_BRACKET,
    after=st.text(max_size=4),
    kind=st.sampled_from(["profiles", "templates", "sso_sessions", "services"]),
)
def test_names_with_control_characters_never_get_through(
    before: str, bad: str, after: str, kind: str
) -> None:
    import json

    name = before + bad + after
    text = f"[{kind}.{json.dumps(name)}]\nregion = 'eu-west-1'\n"
    try:
        raw = parse_toml(text, path="f")
    except ConfigError as error:
        assert str(error).isprintable()  # the name is shown escaped
        return
    for mapping in (raw.profiles, raw.sso_sessions, raw.services):
        for shown in mapping:
            assert shown.isprintable() and "[" not in shown and "]" not in shown


@pytest.mark.parametrize("kind", ["fifo", "directory", "device", "symlink to a device"])
def test_non_regular_files_are_refused(kind: str, tmp_path: Path) -> None:
    from resolver.config.sources.files import read_text

    path = tmp_path / "config"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "directory":
        path.mkdir()
    elif kind == "device":
        path = Path("/dev/zero")
    else:
        path.symlink_to("/dev/zero")
    with pytest.raises(ConfigError, match="not a regular file"):
        read_text(path)
