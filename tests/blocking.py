"""`returns_at_once`: run a call that must not block on a named pipe, and fail the test if it does."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

__all__ = ["returns_at_once"]


def _unblock(pipe: Path) -> None:
    """Give a reader stuck opening ``pipe`` an end of file (the code before the fix opened it)."""
    with contextlib.suppress(OSError):
        os.close(os.open(pipe, os.O_WRONLY | os.O_NONBLOCK))


def returns_at_once(call: Callable[[], object], pipe: Path) -> BaseException | None:
    """Run ``call`` in a thread; fail the test if it is still running after 5 s (then unblock it).

    Returns the exception ``call`` raised, or None.
    """
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            call()
        except BaseException as exc:
            outcome.append(exc)
        else:
            outcome.append(None)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(5.0)
    if thread.is_alive():
        _unblock(pipe)
        thread.join(5.0)
        pytest.fail("blocked on the named pipe")
    return outcome[0]
