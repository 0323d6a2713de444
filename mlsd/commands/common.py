"""Helpers shared by commands: printing errors in one line with the right exit code."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable

import typer
from rich.console import Console

from mlsd.errors import MlsdError

err_console = Console(stderr=True, highlight=False, soft_wrap=True)


def fail(message: str, code: int) -> typer.Exit:
    """Print ``error: message`` on stderr and return the Exit to raise."""
    err_console.print(f"error: {message}", markup=False)
    return typer.Exit(code)


def one_line_errors(debug_flag: str = "debug") -> Callable:
    """Turn MlsdError into one line and its exit code; anything else too, unless --debug."""

    def wrap(func: Callable) -> Callable:
        @functools.wraps(func)
        def inner(*args, **kwargs):
            try:
                return func(*args, **kwargs)
            except typer.Exit:
                raise
            except MlsdError as exc:
                if kwargs.get(debug_flag):
                    raise
                raise fail(str(exc), exc.exit_code) from None
            except KeyboardInterrupt:
                raise fail("interrupted; rerun the same command to resume", 130) from None
            except Exception as exc:
                if kwargs.get(debug_flag):
                    raise
                detail = " ".join(str(exc).split())[:300]
                raise fail(f"internal: {type(exc).__name__}: {detail} (rerun with --debug)", 1) from None

        return inner

    return wrap


def warn(message: str) -> None:
    """One warning line on stderr."""
    print(f"warning: {message}", file=sys.stderr)
