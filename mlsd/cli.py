"""The ``mlsd`` command line: one-line errors, exit codes (ARCHITECTURE.md, "Contract"), lazy imports."""

from __future__ import annotations

import sys

import typer

from mlsd.commands.batch import batch
from mlsd.commands.eval import eval_app
from mlsd.commands.generate import generate
from mlsd.commands.plan import plan
from mlsd.commands.revise import revise
from mlsd.commands.runs import runs_app

app = typer.Typer(
    name="mlsd",
    help="Turn an ML system design interview question into a deep, level-calibrated prep document.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.command()(generate)
app.command()(batch)
app.command()(revise)
app.command()(plan)
app.add_typer(runs_app, name="runs")
app.add_typer(eval_app, name="eval")


@app.callback()
def _root() -> None:
    """Generate, inspect and evaluate ML system design interview-prep documents."""


def main() -> None:
    """Console-script entry point."""
    sys.exit(app())
