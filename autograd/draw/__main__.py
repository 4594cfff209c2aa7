"""``python -m autograd.draw "x*y + exp(x)" x=2 y=3 -o graph.svg``: the command line, `autograd.cli`."""

import sys

from autograd.cli import main

sys.exit(main(sys.argv[1:]))
