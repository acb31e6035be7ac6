"""``convert --to ini`` writes only what every INI reader reads back unchanged, and refuses
the rest with one line naming profile and key (issue 19, item 4's INI part).

The readers: rolechain's own (``parse_ini``) and botocore's (``raw_config_parse``, a
``configparser.RawConfigParser`` over the file plus its sub-property parse).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from botocore.configloader import raw_config_parse
from hypothesis import example, given
from hypothesis import strategies as st

from resolver.cli.main import main
from resolver.config.model import PROFILE_KEYS, TOML_ONLY_KEYS
from resolver.config.sources.ini import parse_ini, raw_config
from resolver.config.sources.ini_write import dump_ini
from tests.hostile import fuzz_settings, hostile_text

KEYS = [*sorted(PROFILE_KEYS - TOML_ONLY_KEYS), "output", "cli_pager", "s3", "a:b"]
REFUSAL = re.compile(r"\[profile p\] key '(?P<key>[^']*)' cannot be written: [A-Za-z ]+")

values = st.one_of(
    hostile_text,
    st.dictionaries(hostile_text, hostile_text, min_size=1, max_size=3),
)


def read_back(text: str, path: Path) -> tuple[object, object]:
    """The profile ``p`` as rolechain reads the file and as botocore does."""
    document = parse_ini(text, path=str(path), kind="config")
    ours = raw_config([document], []).profiles["p"].plain()
    path.write_text(text, encoding="utf-8")
    return ours, raw_config_parse(str(path))["profile p"]


@fuzz_settings()
@given(key=st.sampled_from(KEYS), value=values)
@example(key="output", value="x\n\ty")
@example(key="output", value="x\n#y")
@example(key="output", value="x\u00a0")
@example(key="a:b", value="x")
@example(key="s3", value={"a": "b\u2028c = d"})
def test_every_key_round_trips_through_both_readers_or_is_refused(
    key: str, value: str | dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> None:
    try:
        text = dump_ini({"p": {key: value}})
    except ValueError as exc:
        match = REFUSAL.fullmatch(str(exc))
        assert match is not None and match["key"] == key, str(exc)  # no value in it
        return
    path = tmp_path_factory.mktemp("ini") / "config"
    ours, botocore = read_back(text, path)
    assert ours == botocore == {key: value}


@pytest.mark.parametrize("key", KEYS)
@pytest.mark.parametrize("value", ["x\n\ty", "x\u2028[default]", "x #y", " x", "x\n#y"])
def test_convert_to_ini_refuses_with_one_line_or_writes_what_reads_back(
    key: str, value: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    toml = tmp_path / "p.toml"
    quoted = value.replace("\\", "\\\\").replace("\n", "\\n").replace("\u2028", "\\u2028")
    table = "[profiles.p]\n" if key in PROFILE_KEYS else "[profiles.p]\n[profiles.p.aws]\n"
    toml.write_text(f'{table}{key} = "{quoted}"\n', encoding="utf-8")
    status = main(["convert", "--to", "ini", str(toml)])  # any other exception: a traceback
    out, err = capsys.readouterr()
    if status == 0:
        ours, botocore = read_back(out, tmp_path / "config")
        assert ours == botocore
        return
    assert status == 2 and err.count("\n") == 1 and err.startswith("rolechain: error: "), err
    if "cannot convert to INI" in err:  # not a value the profile model refused on loading
        assert f"[profile p] key '{key}' cannot be written" in err
