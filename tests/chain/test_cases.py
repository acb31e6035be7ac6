"""The planner's table, kept as data (as aws-sdk-rust's ``assume-role-tests.json``).

Each file under ``cases/`` is a JSON list of cases. A case names its input as the user's
files hold it (``ini``: the config file, ``credentials``, ``toml``: the rolechain file,
each a list of lines), an optional ``env`` and ``profile`` (absent: ``AWS_PROFILE``, else
``default``), and either the whole expected ``Chain.to_json()`` (``chain``) or the
expected ``error``: its class, its ``reason`` and a fragment of its message. The expected
outputs are reviewed data: edit them by hand, never regenerate them from the code.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from resolver.errors import ResolverError
from tests.chain.text_plan import plan_text

CASES_DIR = Path(__file__).parent / "cases"
FILES = ("ini", "credentials", "toml", "env")
CASE_KEYS = {"name", "profile", "chain", "error", *FILES}


def _cases() -> list[Any]:
    found = []
    for path in sorted(CASES_DIR.iterdir()):
        for case in json.loads(path.read_text(encoding="utf-8")):
            found.append(pytest.param(case, id=f"{path.stem}: {case['name']}"))
    return found


CASES = _cases()


def test_case_files_are_well_formed() -> None:
    assert sorted(path.suffix for path in CASES_DIR.iterdir()) == [".json"] * 3
    names = [param.values[0]["name"] for param in CASES]
    assert len(names) == len(set(names)) >= 56
    for param in CASES:
        case = param.values[0]
        assert set(case) <= CASE_KEYS, case["name"]
        assert ("chain" in case) != ("error" in case), case["name"]
        assert set(case.get("error", {"type", "reason", "message"})) == {
            "type",
            "reason",
            "message",
        }


@pytest.mark.parametrize("case", CASES)
def test_case(tmp_path: Path, case: dict[str, Any]) -> None:
    files = {key: case[key] for key in FILES if key in case}
    if "error" not in case:
        assert plan_text(tmp_path, case.get("profile"), **files).to_json() == case["chain"]
        return
    expected = case["error"]
    with pytest.raises(ResolverError) as caught:
        plan_text(tmp_path, case.get("profile"), **files)
    error = caught.value
    assert (type(error).__name__, error.reason) == (expected["type"], expected["reason"])
    assert expected["message"] in str(error)
