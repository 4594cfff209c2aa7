"""The seed's run in C (benchmarks/xor_seed.c), compiled with the system C compiler: `make bench`'s
reference for what the machine itself can do.

The program is compiled once per bench (``cc -O2``, or ``gcc``), into a temporary directory, and
times itself (the best of its repeats, each from the initial weights).  Where there is no C
compiler, or it fails, the row is skipped with the reason.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

SOURCE = Path(__file__).resolve().parent / "xor_seed.c"


def compiler() -> str | None:
    """The system C compiler's path (``cc``, else ``gcc``), or None."""
    return shutil.which("cc") or shutil.which("gcc")


def c_run(epochs: int, repeats: int = 50) -> dict[str, Any]:
    """``{"seconds": best time of the run, "predictions": [...], "compiler": "cc -O2"}``, or
    ``{"skipped": why}``."""
    cc = compiler()
    if cc is None:
        return {"skipped": "no C compiler (cc or gcc) on this machine"}
    with tempfile.TemporaryDirectory(prefix="bench-c-") as tmp:
        exe = Path(tmp) / "xor_seed"
        try:
            subprocess.run([cc, "-O2", "-o", str(exe), str(SOURCE), "-lm"], check=True, capture_output=True,
                           text=True, timeout=120)
            out = subprocess.run([str(exe), str(epochs), str(repeats)], check=True, capture_output=True,
                                 text=True, timeout=120).stdout.split()
        except (OSError, subprocess.SubprocessError) as exc:
            detail = getattr(exc, "stderr", None) or exc
            return {"skipped": f"{Path(cc).name} -O2 failed: {str(detail).strip()[:200]}"}
    return {"seconds": float(out[0]), "predictions": [float(x) for x in out[1:]],
            "compiler": f"{Path(cc).name} -O2"}
