"""``python -m resolver``: the rolechain CLI."""

from resolver.cli import run

raise SystemExit(run())
