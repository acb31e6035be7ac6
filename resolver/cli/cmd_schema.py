"""``rolechain schema``: the JSON Schema of the TOML format."""

from __future__ import annotations

import argparse
import json

from resolver.config.model import json_schema
from resolver.context import Context


def schema_text() -> str:
    """The schema as committed in ``schemas/rolechain.schema.json``."""
    return json.dumps(json_schema(), indent=2, sort_keys=True) + "\n"


def run(args: argparse.Namespace, ctx: Context) -> int:
    """Print the schema."""
    print(schema_text(), end="")
    return 0
