"""The ``rolechain`` console script and ``python -m resolver``: a ready answer, else the CLI.

A warm ``export`` is served from ``resolver.cache.answers`` before argparse or anything
else is imported; every other command goes to ``resolver.cli.main``. Keeping this entry
apart from both is what keeps the import graph free of circles.
"""

import sys

from resolver.cache.answers import serve_export

TYPE_CHECKING = False  # typing would cost the warm path 10%: quoted hints
if TYPE_CHECKING:
    from collections.abc import Sequence


def main(argv: "Sequence[str] | None" = None) -> int:
    """The ``rolechain`` console script: a ready answer if one serves, else the full CLI."""
    words = sys.argv[1:] if argv is None else list(argv)
    try:
        answer = serve_export(words)
        if answer is not None:
            sys.stdout.write(answer + "\n")
            sys.stdout.flush()
            return 0
    except BrokenPipeError:
        return 141
    from resolver.cli.main import main as full_cli

    return full_cli(words)
