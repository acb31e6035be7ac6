"""``rolechain convert --to toml|ini``: the equivalent file on stdout."""

from __future__ import annotations

import argparse

from resolver.config.convert import to_ini, to_toml
from resolver.config.loading import load_profiles


def run(args: argparse.Namespace) -> int:
    """Write every profile in the other format (never to a file: redirect it yourself)."""
    profiles = load_profiles(args.config)
    print(to_toml(profiles) if args.to == "toml" else to_ini(profiles), end="")
    return 0
