"""The TOML source: shape, typed values, extends, line numbers, errors, path selection."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import platformdirs
import pytest

from resolver.config.findings import Location
from resolver.config.sources.raw import RawConfig
from resolver.config.sources.tomlfile import default_toml_path, load_toml, parse_toml, toml_path
from resolver.errors import ConfigError

DOC = """\
version = 1

[templates.base]
region = "eu-west-1"
duration_seconds = "1h"
policy_arns = ["arn:aws:iam::aws:policy/ReadOnlyAccess"]

[templates.tagged]
extends = "base"
region = "us-east-1"
session_tags = { Team = "platform" }

[profiles.dev]
extends = ["tagged", "base"]
role_arn = "arn:aws:iam::123456789012:role/dev"
source_profile = "root"
duration_seconds = 3600
transitive_session_tags = [
  "Team",
  "Project = not a key",
]

[profiles."dotted.name"]
policy = '''
{"Version": "2012-10-17",
 region = "not a key either"}
'''
external_id = "x"

[profiles.tags.session_tags]
Project = "rolechain"

[profiles.root]
aws_access_key_id = "AKIAEXAMPLE"
policy = { Version = "2012-10-17" }

[sso_sessions.corp]
sso_start_url = "https://corp.awsapps.com/start"
sso_region = "eu-west-1"
sso_registration_scopes = ["sso:account:access"]

[services.local.sts]
endpoint_url = "http://localhost:5000"
"""


def values(raw: RawConfig, name: str) -> dict[str, Any]:
    return raw.profiles[name].plain()


def lines(raw: RawConfig, name: str) -> dict[str, int | None]:
    return {key: location.line for key, location in raw.profiles[name].where().items()}


def test_sections_and_typed_values() -> None:
    raw = parse_toml(DOC, path="p.toml")
    assert list(raw.profiles) == ["dev", "dotted.name", "tags", "root"]
    assert values(raw, "root") == {
        "aws_access_key_id": "AKIAEXAMPLE",
        "policy": {"Version": "2012-10-17"},
    }
    assert values(raw, "tags") == {"session_tags": {"Project": "rolechain"}}
    assert raw.sso_sessions["corp"].plain()["sso_registration_scopes"] == ["sso:account:access"]
    assert raw.services["local"].plain() == {"sts": {"endpoint_url": "http://localhost:5000"}}
    assert all(s.format == "toml" for s in raw.profiles.values())
    assert raw.files == ("p.toml",) and raw.warnings == []


def test_extends_merges_templates_in_order_and_own_keys_win() -> None:
    raw = parse_toml(DOC, path="p.toml")
    dev = values(raw, "dev")
    assert "extends" not in dev
    # "tagged" (itself extending "base") then "base": the later template wins on region.
    assert dev["region"] == "eu-west-1"
    assert dev["session_tags"] == {"Team": "platform"}
    assert dev["policy_arns"] == ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
    assert dev["duration_seconds"] == 3600  # own key beats the template's "1h"
    assert dev["transitive_session_tags"] == ["Team", "Project = not a key"]


def test_template_extending_template() -> None:
    raw = parse_toml(
        '[templates.a]\nx = 1\ny = 1\n[templates.b]\nextends = "a"\ny = 2\n'
        '[profiles.p]\nextends = "b"\n',
        path="f",
    )
    assert values(raw, "p") == {"x": 1, "y": 2}
    assert lines(raw, "p") == {"x": 2, "y": 6}


def test_line_numbers() -> None:
    raw = parse_toml(DOC, path="p.toml")
    assert raw.profiles["dev"].location == Location("p.toml", 13)
    assert lines(raw, "dev") == {
        "region": 4,  # from "base", the later template; inherited keys keep their line
        "session_tags": 11,
        "policy_arns": 6,
        "role_arn": 15,
        "source_profile": 16,
        "duration_seconds": 17,
        "transitive_session_tags": 18,
    }
    assert raw.profiles["dotted.name"].location.line == 23
    assert lines(raw, "dotted.name") == {"policy": 24, "external_id": 28}
    assert lines(raw, "tags") == {"session_tags": 30}
    assert raw.sso_sessions["corp"].where()["sso_region"] == Location("p.toml", 39)
    assert raw.services["local"].location.line == 42


def test_dotted_and_inline_profiles_fall_back_to_best_line() -> None:
    raw = parse_toml(
        '[profiles]\na.role_arn = "x"\nb = { role_arn = "y" }\n"c" . region = "z"\n', path="f"
    )
    assert lines(raw, "a") == {"role_arn": 2}
    assert raw.profiles["a"].location.line == 2
    assert lines(raw, "b") == {"role_arn": 3}  # the inline table's line
    assert lines(raw, "c") == {"region": 4}


def test_crlf_text_is_located() -> None:
    raw = parse_toml('[profiles.a]\r\nregion = "x"\r\n\r\n[profiles.b]\r\nk = 1\r\n', path="f")
    assert lines(raw, "b") == {"k": 5}
    assert raw.profiles["b"].location.line == 4


@pytest.mark.parametrize(
    ("text", "line", "fragments"),
    [
        (
            '[templates.a]\nextends = "b"\n[templates.b]\nextends = "a"\n'
            '[profiles.p]\nextends = "a"\n',
            4,
            ["loop", "profile p -> template a -> template b -> template a"],
        ),
        ('[profiles.p]\nextends = "p"\n[templates.p]\nextends = "p"', 4, ["loop"]),
        ('[profiles.p]\nregion = "x"\nextends = ["nope"]\n', 3, ["unknown template 'nope'"]),
        ('[templates.t]\nextends = "gone"\n', 2, ["unknown template 'gone'", "template t"]),
        ("[profiles.p]\nextends = 3\n", 2, ["'extends' must be"]),
        ('[profiles.p]\nextends = ["a", 1]\n', 2, ["'extends' must be"]),
    ],
)
def test_extends_errors(text: str, line: int, fragments: list[str]) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_toml(text, path="f.toml")
    assert (caught.value.file, caught.value.line) == ("f.toml", line)
    for fragment in fragments:
        assert fragment in caught.value.message


def test_extends_error_names_the_profile() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_toml('[profiles.dev]\nextends = "missing"\n', path="f")
    assert caught.value.profile == "dev"
    assert "profile dev" in str(caught.value)
    assert caught.value.reason == "missing-template"


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("[profile.dev]\nregion = 'x'\n", 1, "did you mean 'profiles'?"),
        ("\n\n[template.a]\n", 3, "did you mean 'templates'?"),
        ("sso_session = 1\n", 1, "did you mean 'sso_sessions'?"),
        ("\nzzz = 1\n", 2, "expected version, profiles"),
        ("version = 2\n", 1, "version = 1"),
        ('version = "1"\n', 1, "version = 1"),
        ("version = true\n", 1, "version = 1"),
        ("profiles = 3\n", 1, "must be a table"),
        ("[profiles]\ndev = 'x'\n", 2, "'profiles.dev' must be a table"),
        ("[services]\nlocal = 1\n", 2, "'services.local' must be a table"),
    ],
)
def test_shape_errors(text: str, line: int, fragment: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_toml(text, path="f.toml")
    assert (caught.value.file, caught.value.line) == ("f.toml", line)
    assert fragment in caught.value.message


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ('[profiles.a]\nregion = "x"\nrole_arn = \n', 3),
        ("[profiles.a]\n\n\nk = [1,\n", 4),
        ('[profiles.a]\nk = "x"\n[profiles.a]\n', 3),
        ('[profiles.a\nk = "v"', 1),
    ],
)
def test_syntax_errors_carry_the_line(text: str, line: int) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_toml(text, path="f.toml")
    assert (caught.value.file, caught.value.line) == ("f.toml", line)
    assert caught.value.message.startswith("invalid TOML: ")
    assert caught.value.reason == "invalid-toml"
    assert "(at line" not in caught.value.message
    assert "\n" not in str(caught.value)


def test_syntax_error_does_not_quote_the_secret() -> None:
    secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    with pytest.raises(ConfigError) as caught:
        parse_toml(f"[profiles.a]\naws_secret_access_key = {secret}\n", path="f")
    assert caught.value.line == 2
    assert secret not in str(caught.value)


def test_empty_document() -> None:
    raw = parse_toml("# nothing\n", path="f")
    assert (dict(raw.profiles), dict(raw.sso_sessions), dict(raw.services)) == ({}, {}, {})


def test_toml_path_selection(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ROLECHAIN_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))  # Linux: the XDG rule, as platformdirs
    assert default_toml_path(os.environ) == tmp_path / "rolechain" / "profiles.toml"
    assert Path(platformdirs.user_config_dir("rolechain")) / "profiles.toml" == default_toml_path(
        os.environ
    )
    assert toml_path(None, os.environ) == tmp_path / "rolechain" / "profiles.toml"
    monkeypatch.setenv("ROLECHAIN_CONFIG", str(tmp_path / "env.toml"))
    assert toml_path(None, os.environ) == tmp_path / "env.toml"
    assert toml_path(str(tmp_path / "explicit.toml"), os.environ) == tmp_path / "explicit.toml"
    monkeypatch.setenv("HOME", str(tmp_path))
    assert toml_path("~/x.toml", os.environ) == tmp_path / "x.toml"


def test_missing_default_file_is_empty(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ROLECHAIN_CONFIG", raising=False)
    monkeypatch.setattr(platformdirs, "user_config_dir", lambda app: str(tmp_path / app))
    raw = load_toml(None, None, os.environ)
    assert (dict(raw.profiles), raw.files) == ({}, ())


def test_missing_named_file_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(platformdirs, "user_config_dir", lambda app: str(tmp_path / app))
    with pytest.raises(ConfigError) as caught:
        load_toml(tmp_path / "given.toml", None, os.environ)
    assert caught.value.file == str(tmp_path / "given.toml")
    monkeypatch.setenv("ROLECHAIN_CONFIG", str(tmp_path / "env.toml"))
    with pytest.raises(ConfigError) as caught:
        load_toml(None, None, os.environ)
    assert caught.value.file == str(tmp_path / "env.toml")


def test_load_reads_the_chosen_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "env.toml"
    path.write_bytes('\ufeff[profiles.a]\nregion = "é"\n'.encode())
    monkeypatch.setenv("ROLECHAIN_CONFIG", str(path))
    raw = load_toml(None, None, os.environ)
    assert values(raw, "a") == {"region": "é"}
    assert raw.profiles["a"].where()["region"] == Location(str(path), 2)
    assert raw.files == (str(path),)


def test_non_utf8_file_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_bytes(b'[profiles.a]\nregion = "\xff"\n')
    with pytest.raises(ConfigError) as caught:
        load_toml(path, None, os.environ)
    assert (caught.value.file, caught.value.line) == (str(path), 2)
