"""Printing that never fails on an encoding: what stdout or stderr cannot hold is escaped.

A terminal or pipe set up for ASCII (``PYTHONIOENCODING=ascii``, an old locale) cannot show
``∂`` or ``é``, and a file name made of bytes that are not UTF-8 (``$'\\xff.dot'``) reaches Python
as a lone surrogate that no strict encoder takes.  Python's default is then a `UnicodeEncodeError`
traceback, after the work is done.  Every command line of the project (``python -m
autograd.draw``, ``python -m demos.*``) is wrapped in `autograd.cli.command_line`, which switches its
stdout and stderr to the error handler `ERRORS`: each character the stream's encoding cannot hold
is written as a Python escape instead, ASCII-only, so it always fits:

- a byte that was not UTF-8 (a surrogate U+DC80..U+DCFF from the command line) as ``\\xff``, the
  byte it was, as the shell's ``$'\\xff'`` writes it;
- any other character as ``\\xe9``, ``\\u2202`` or ``\\U0001d417``, as `repr` writes it.

    >>> "d/dé = 1".encode("ascii", ERRORS)
    b'd/d\\\\xe9 = 1'
    >>> "wrote \\udcff.dot".encode("utf-8", ERRORS)
    b'wrote \\\\xff.dot'

A stream whose error handler was chosen otherwise (``PYTHONIOENCODING=ascii:replace``) is left
as it is; only ``strict`` and ``surrogateescape``, the two that can raise, are switched.
"""

from __future__ import annotations

import codecs
import contextlib
import io
import sys

__all__ = ["ERRORS", "escape_unencodable_output"]

ERRORS = "autograd.escape"
"""The name of the codec error handler (see the module doc) registered when this module loads."""


def _escape(error: UnicodeError) -> tuple[str, int]:
    """The error handler: the characters ``error`` could not encode, as ASCII escapes."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    escapes = []
    for ch in error.object[error.start : error.end]:
        code = ord(ch)
        if 0xDC80 <= code <= 0xDCFF:  # a byte os.fsdecode could not decode: show that byte
            escapes.append(f"\\x{code - 0xDC00:02x}")
        else:  # as repr writes it: \xe9, \u2202, \U0001d417
            escapes.append(ch.encode("ascii", "backslashreplace").decode("ascii"))
    return "".join(escapes), error.end


codecs.register_error(ERRORS, _escape)


def escape_unencodable_output() -> None:
    """Switch `sys.stdout` and `sys.stderr` to the `ERRORS` handler (when theirs can raise)."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper) and stream.errors in ("strict", "surrogateescape"):
            with contextlib.suppress(ValueError):  # closed or detached: nothing will be printed to it
                stream.reconfigure(errors=ERRORS)
