"""Ctrl-C and SIGTERM during a run: the run is recorded as interrupted and can be resumed.

Ctrl-C: ``asyncio.run`` cancels the main task and raises KeyboardInterrupt afterwards. SIGTERM
(``kill``, a container stop, a CI timeout) would end the process on the spot and leave the run
shown as ``running``; ``sigterm_cancels`` makes it cancel the main task the same way, so every
runner records ``interrupted`` on its way out and the command exits 143 (128 + 15) instead of 130.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal

from mlsd.errors import MlsdError

EXIT_CODES = {signal.SIGINT: 130, signal.SIGTERM: 143}
NAMES = {signal.SIGINT: "Ctrl-C", signal.SIGTERM: "SIGTERM"}


class Terminated(Exception):
    """SIGTERM stopped the run (raised in place of the cancellation it caused)."""


class Interrupted(MlsdError):
    """A run stopped by Ctrl-C (exit 130) or SIGTERM (exit 143); its checkpoints are kept."""

    def __init__(self, signum: int, resume: str):
        super().__init__(f"interrupted by {NAMES[signum]}; {resume}")
        self.exit_code = EXIT_CODES[signum]


def is_interruption(exc: BaseException) -> bool:
    """Whether a run ended because it was stopped rather than because something failed."""
    return isinstance(exc, KeyboardInterrupt | asyncio.CancelledError | Terminated)


@contextlib.contextmanager
def sigterm_cancels():
    """Inside a coroutine: SIGTERM cancels the current task, then raises Terminated from it.

    The previous handler is back in place afterwards. Where signals cannot be handled (not the
    main thread), SIGTERM keeps its old meaning.
    """
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    previous = signal.getsignal(signal.SIGTERM)
    received: list[int] = []

    def on_sigterm() -> None:
        received.append(signal.SIGTERM)
        if task is not None:
            task.cancel()

    try:
        loop.add_signal_handler(signal.SIGTERM, on_sigterm)
    except (ValueError, RuntimeError, NotImplementedError):
        yield
        return
    try:
        yield
    except asyncio.CancelledError:
        if received:
            raise Terminated() from None
        raise
    finally:
        loop.remove_signal_handler(signal.SIGTERM)
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
