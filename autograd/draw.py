"""``python -m autograd.draw "x*y + exp(x)" x=2 y=3 -o graph.svg``: runs `autograd.cli.main`.

(`autograd.draw`, the function, is `autograd.graph.draw`; this module exists only for ``-m``.)
"""

import sys

from autograd.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
