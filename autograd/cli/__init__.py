"""The command line (``python -m autograd.draw``) and what the demos' command lines share.

See `autograd.cli.command` for the command and its exit statuses, `autograd.cli.console` for
output a terminal cannot encode.
"""

from autograd.cli.command import BROKEN_PIPE_STATUS, INTERRUPTED_STATUS, command_line, main

__all__ = ["BROKEN_PIPE_STATUS", "INTERRUPTED_STATUS", "command_line", "main"]
