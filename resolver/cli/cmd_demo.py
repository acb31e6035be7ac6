"""``rolechain demo``: the main job on an embedded local STS."""

from __future__ import annotations

import argparse

from resolver.context import Context
from resolver.demo.run import run_demo


def run(args: argparse.Namespace, ctx: Context) -> int:
    """Run the demo."""
    return run_demo()
