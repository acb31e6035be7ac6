"""``dir(resolver)``, REPL completion and ``help(resolver)`` show the public names, and
listing them imports nothing heavy."""

from __future__ import annotations

import json
import subprocess
import sys

import resolver

HEAVY = ("resolver.api", "resolver.errors", "resolver.server", "pydantic", "boto3", "botocore")

LISTING = """
import json, rlcompleter
import resolver
names = dir(resolver)
completer = rlcompleter.Completer({"resolver": resolver})
completions, state = [], 0
while (word := completer.complete("resolver.", state)) is not None:
    completions.append(word)
    state += 1
print(json.dumps({"dir": names, "completions": completions}))
"""


def test_dir_and_repl_completion_list_the_public_names() -> None:
    # the REPL's completer offers what dir() lists (it then imports each to see if it is
    # callable: that is completion's cost, not dir()'s, checked in the next test)
    found = json.loads(
        subprocess.run(
            [sys.executable, "-c", LISTING], capture_output=True, text=True, check=True
        ).stdout
    )
    assert set(resolver.__all__) <= set(found["dir"])
    assert {"__version__", "__all__", "__doc__", "__name__"} <= set(found["dir"])
    assert not [name for name in found["dir"] if name.startswith("_") and not name.endswith("__")]
    assert "TYPE_CHECKING" not in found["dir"]
    assert {f"resolver.{name}" for name in resolver.__all__} <= {
        word.rstrip("(") for word in found["completions"]
    }


def test_dir_imports_nothing_heavy() -> None:
    code = (
        "import sys, resolver; dir(resolver); "
        f"print([m for m in sys.modules if m.startswith({HEAVY!r})])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_help_lists_each_public_name_with_its_doc() -> None:
    code = "import pydoc, resolver; print(pydoc.render_doc(resolver, renderer=pydoc.plaintext))"
    text = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    description = text.split("PACKAGE CONTENTS", 1)[0]
    members = text.split("PACKAGE CONTENTS", 1)[1]
    for name in resolver.__all__:
        assert f"``{name}" in description, name  # the package docstring names each
        value = getattr(resolver, name)
        first_line = (value.__doc__ or "").strip().splitlines()[0]
        assert first_line.split("``")[0].strip() in members, name  # pydoc documents each
        assert f"class {name}(" in members or f"    {name}(" in members, name
