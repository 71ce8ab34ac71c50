"""The ``cdeops`` command: registers the commands and maps every error to an exit code.

Exit codes: 0 ok, 1 error, 2 usage or policy error, 3 drift. Heavy libraries are imported inside
the commands, so ``cdeops --help`` stays fast.
"""

from __future__ import annotations

import sys

import typer

from . import (
    cmd_check,
    cmd_diff,
    cmd_explain,
    cmd_init,
    cmd_render,
    cmd_schema,
    cmd_terraform,
    cmd_validate,
    cmd_vault,
)
from .state import STATE

__all__ = ["app", "main"]

app = typer.Typer(
    name="cdeops",
    help="Turn one reviewed policy file into governed, LLM-enabled Coder workspaces on Kubernetes.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # plain help and usage errors: rendering them with rich imports rich and markdown-it, which
    # triples the time of `cdeops --help`
    rich_markup_mode=None,
)


@app.callback()
def _global(
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks for errors."),
) -> None:
    STATE.debug = debug


for module in (
    cmd_init,
    cmd_validate,
    cmd_render,
    cmd_diff,
    cmd_explain,
    cmd_schema,
    cmd_check,
    cmd_terraform,
    cmd_vault,
):
    module.register(app)


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app; cdeops errors become one message and their exit code."""
    from ..errors import CdeopsError

    try:
        app(args=argv, prog_name="cdeops")
    except CdeopsError as exc:
        if STATE.debug:
            raise
        print(f"error: {exc.message}", file=sys.stderr)
        if exc.hint:
            print(f"hint: {exc.hint}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except Exception as exc:  # a bug: say so briefly, never dump locals that may hold secrets
        if STATE.debug:
            raise
        print(f"internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        print("hint: run with --debug for a traceback and report it", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":  # pragma: no cover
    main()
