"""Stage 5, the ``rolechain`` CLI. ``run`` is the console script and ``python -m resolver``.

A warm ``export`` is served by ``resolver.cli.fastpath`` before argparse or anything else
is imported; every other command goes to ``resolver.cli.main``, imported only then. The
entry lives in the package itself because the package is loaded anyway: every module on
the warm path costs a ready answer about 1%. Above both, it keeps the import graph free
of circles.
"""

import sys

from resolver.cli.fastpath import serve_export

TYPE_CHECKING = False  # typing would cost the warm path 10%: quoted hints
if TYPE_CHECKING:
    from collections.abc import Sequence


def run(argv: "Sequence[str] | None" = None) -> int:
    """The ``rolechain`` console script: a ready answer if one serves, else the full CLI."""
    words = sys.argv[1:] if argv is None else list(argv)
    try:
        if words[:1] == ["__complete-profiles"]:  # a completion keypress: no argparse, no parse
            import os

            from resolver.cli.names import profile_names

            config = words[1] if len(words) > 1 else None
            names = profile_names(config, os.environ)  # the warm entry reads it itself
            sys.stdout.write("".join(name + "\n" for name in names))
            return 0
        answer = serve_export(words)
        if answer is not None:
            sys.stdout.write(answer + "\n")
            sys.stdout.flush()
            if argv is None:  # the console script: nothing is left to do, so skip the
                import os  # interpreter's teardown (1.5 ms, an eighth of a ready answer)

                os._exit(0)
            return 0
        if argv is None:  # the console script: this process ends with the command
            import gc

            gc.disable()  # see resolver.cli.gcpause; never re-enabled, so no collection at exit
        from resolver.cli.main import main as full_cli

        status = full_cli(words)
        sys.stdout.flush()
        return status
    except BrokenPipeError:
        _drop_stdout()
        return 141
    except Exception as exc:  # the last line of defence: one line, never the message
        from resolver.cli.failure import debug_requested, internal_error, output_error

        if not output_error(exc):
            return internal_error(exc, debug_requested(words))
        _drop_stdout()
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        sys.stderr.write(f"rolechain: error: cannot write to standard output: {reason}\n")
        return 1


def _drop_stdout() -> None:
    """Point stdout at /dev/null so that the exit's flush raises nothing more."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # no file descriptor (captured output)
        pass
