"""`autograd.compile`: a traced graph turned into its straight-line derivative code.

The layer above the engine, loaded on the first use of `autograd.compile`; the engine knows
nothing of it (it traces through the documented hook `autograd.core.tracer`).  See
docs/compile.md.
"""

from autograd.compiler.step import CompileCheckError, CompiledStep, CompiledUpdate, CompileError, compile  # noqa: A004

__all__ = ["CompileCheckError", "CompileError", "CompiledStep", "CompiledUpdate", "compile"]
