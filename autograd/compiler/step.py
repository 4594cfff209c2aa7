"""`autograd.compile`: trace a loss function once, get straight-line Python for its step.

    >>> import autograd
    >>> from autograd import Value
    >>> w = Value(0.5, label="w")
    >>> def loss(x, y):
    ...     return (w * x - y) ** 2
    >>> step = autograd.compile(loss, [w], 2.0, 3.0)
    >>> step(2.0, 3.0), w.grad              # (0.5*2 - 3)^2 = 4; d/dw = 2 (wx - y) x = -8
    (4.0, -8.0)

``step = compile(f, params, *example_args)`` runs ``f(*example_args)`` once on placeholder Values
and writes the program that computes that graph's value and gradients (see
`autograd.compiler.codegen`).  ``step(*args)`` then computes ``f(*args)`` with the parameters'
current ``data``, **adds** d(loss)/d(p) to each ``p.grad`` exactly as ``f(*args).backward()`` would,
bit for bit, and returns the loss as a float.  ``step.source`` is the generated Python.

- ``optimizer=SGD(params, lr)`` (momentum too) or ``Adam(params, lr)``: ``step(*args)`` is a whole
  update, ``zero_grad()``, ``backward()``, ``step()``, generated into one function, the optimizer's
  state (Adam's m, v, t; the momentum buffers) included (the learning rate is read from the
  optimizer each call; the other hyper-parameters are generated in).
- ``return_loss=False``: ``step(*args)`` returns None and does not compute the loss's value (only
  its op's domain check: a BCE target outside [0, 1] still raises); the fastest training step.
- ``check=True``: every step also runs the engine and raises `CompileCheckError` on any difference.

Arguments are numbers or nested lists/tuples of numbers, checked at every call; another
structure or type, a decision ``f`` took on the data (``==``, ``if x:``, a comparison,
``round``: see `autograd.compiler.trace`) going the other way, or an argument baked in changing,
traces ``f`` again (``step.variants`` lists the sources; at most `MAX_VARIANTS` traces are kept).
A domain error raises what the engine raises.  What cannot be compiled is a `CompileError` at
compile time.
"""

from __future__ import annotations

import builtins
import inspect
import keyword
import linecache
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import count
from typing import Any, Literal, Protocol, cast, overload

from autograd.compiler.codegen import Generated, generate, same
from autograd.compiler.loop import Run
from autograd.compiler.trace import CompileError, Trace, flatten, freeze, kinds, normalize, trace
from autograd.compiler.updates import state_lists
from autograd.core import Value
from nn.optim import SGD, Adam

__all__ = ["CompileCheckError", "CompileError", "CompiledStep", "CompiledUpdate", "compile"]

_files = count(1)
MAX_VARIANTS = 64  # traces kept per step (one per structure, argument types, baked value): the oldest go


class CompileCheckError(AssertionError):
    """``check=True``: the compiled step and the engine disagreed (names the value and both numbers)."""


class _Compiled(Protocol):
    source: str
    variants: list[str]
    labels: dict[str, str]  # the source's variables -> the labels of the graph's Values
    run: Run  # run(samples, epochs=1, lr=None): the loop of calls as one loop (autograd.compiler.loop)


class CompiledStep(_Compiled, Protocol):
    """What `compile` returns: call it like ``f``, get the loss; ``source`` is its code."""

    def __call__(self, *args: Any) -> float: ...


class CompiledUpdate(_Compiled, Protocol):
    """What `compile` returns with ``return_loss=False``: call it like ``f``, get None."""

    def __call__(self, *args: Any) -> None: ...


@dataclass
class _Variant:
    key: tuple[Any, ...]
    function: Callable[..., float]
    generated: Generated


class _Program:
    """Everything behind one compiled step: the traces (one per structure and guard outcome)."""

    def __init__(self, f: Callable[..., Any], params: list[Value], argnames: list[str], fname: str,
                 optimizer: Any, return_loss: bool) -> None:
        self.f = f
        self.return_loss = return_loss
        self.params = params
        self.argnames = argnames
        self.fname = fname
        self.optimizer = optimizer
        self.variants: dict[tuple[Any, ...], _Variant] = {}
        self.sources: list[str] = []
        self.baked: frozenset[int] | None = None
        self.retracing = False

    def key(self, args: Sequence[Any], baked: frozenset[int]) -> tuple[Any, ...]:
        if len(args) != len(self.argnames):
            raise CompileError(
                f"compile: {self.fname} was compiled for {len(self.argnames)} arguments"
                f" ({', '.join(self.argnames)}); got {len(args)}"
            )
        structure, _ = flatten(args, self.argnames)
        return _key(structure, args, baked)

    def engine(self, args: Sequence[Any]) -> Any:
        """The engine's own run of ``f`` (after ``zero_grad()`` with an optimizer, as the engine's
        sequence does): raises its error, naming the node, if ``f`` raises on ``args``."""
        if self.optimizer is not None:
            self.optimizer.zero_grad()
        return self.f(*args)

    def build(self, args: Sequence[Any]) -> _Variant:
        """Trace ``f`` on ``args`` and compile what it did."""
        tr = self._trace(args)
        generated = generate(tr, self.params, self.argnames, self.fname, self.optimizer, self.return_loss)
        variant = _Variant(_key(tr.structure, args, tr.baked), _unset, generated)
        objects: dict[str, Any] = dict(generated.objects)
        objects["_freeze"] = freeze
        objects["_recover"] = lambda *a: self.recover(variant, a)
        objects["_retrace"] = lambda *a: self.retrace(variant, a)
        objects["_regrad"] = lambda *a: self.regrad(variant, a)
        for a in tr.baked:
            objects[f"_baked{a}"] = freeze(args[a])  # compared to the bit: -0.0 is not 0.0, NaN is NaN
        filename = f"<autograd.compile {self.fname} #{next(_files)}>"
        code = builtins.compile(generated.source, filename, "exec")  # our own text: names and numbers only
        lines = generated.source.splitlines(keepends=True)
        linecache.cache[filename] = (len(generated.source), None, lines, filename)  # for pdb, tracebacks
        exec(code, objects)
        variant.function = objects[generated.function]
        self.variants.pop(variant.key, None)
        self.variants[variant.key] = variant
        self.sources.append(generated.source)
        while len(self.variants) > MAX_VARIANTS:  # the cache is bounded: the oldest trace goes
            del self.variants[next(iter(self.variants))]
        del self.sources[: -MAX_VARIANTS]
        return variant

    def _trace(self, args: Sequence[Any]) -> Trace:
        """Trace with every argument a placeholder; if ``f`` refuses that (``math.sqrt(x)``, a
        function taking only a number), with one argument, then all, as plain numbers (baked)."""
        n = len(args)
        options: list[frozenset[int]] = [frozenset(), *(frozenset({a}) for a in reversed(range(n)))]
        options.append(frozenset(range(n)))
        if self.baked is not None:
            options.insert(0, self.baked)
        first: BaseException | None = None
        for baked in dict.fromkeys(options):
            try:
                tr = trace(self.f, args, self.argnames, baked, frozenset(self.params))
            except (CompileError, TypeError) as e:  # f takes some argument only as a number
                first = first or e
                continue
            except Exception:  # f raised on these numbers: the engine's error names its own operands
                self.engine(args)
                raise
            self.baked = baked
            return tr
        assert first is not None
        if not isinstance(first, CompileError):  # f raised on the trace's Values: the engine names its own
            self.engine(args)
        raise first

    def call(self, args: Sequence[Any], key: tuple[Any, ...] | None = None) -> float:
        """Run the variant for ``args`` (tracing it first if there is none)."""
        if key is None:
            args = normalize(args, self.argnames)
            key = self.key(args, self.baked or frozenset())
        variant = self.variants.get(key)
        if variant is None:
            variant = self.build(args)
        return variant.function(*args)

    def recover(self, variant: _Variant, args: tuple[Any, ...]) -> float:
        """The generated code raised (called from its ``except``): another structure, or an error
        for the engine to name."""
        error = sys.exc_info()[1]
        try:
            args = normalize(args, self.argnames)
        except TypeError as e:  # not an argument the engine takes: its own error, not the step's
            raise e from None
        try:
            key = self.key(args, self.baked or frozenset())
        except CompileError as e:
            raise e from error
        if key != variant.key:
            return self.call(args)
        self.engine(args)  # the engine: raises its own error, naming the node
        return self.retrace(variant, args, key)  # it did not: f took another path on this data

    def regrad(self, variant: _Variant, args: tuple[Any, ...]) -> float | None:
        """A parameter's ``grad`` was not a number the step can add to (None, say: nothing is
        written before every sum is made): this step is the engine's, ``f(*args).backward()``,
        which takes each ``grad`` as it does (None is 0, an int its float, anything else its
        `TypeError` naming the parameter); the grads are floats after it, so the next call is the
        compiled step's own."""
        loss = self.f(*args)
        loss.backward()
        return loss.data if self.return_loss else None

    def retrace(self, variant: _Variant, args: tuple[Any, ...], key: tuple[Any, ...] | None = None) -> float:
        """A guard failed, or an argument is not of the type traced: f's graph for ``args`` is
        another one; trace it (once)."""
        args = normalize(args, self.argnames)
        key = self.key(args, self.baked or frozenset())
        current = self.variants.get(key)
        if current is not variant:
            return current.function(*args) if current is not None else self.build(args).function(*args)
        if self.retracing:
            raise CompileError(
                f"compile: {self.fname} gave another graph when traced again on the same arguments: f"
                " depends on something other than its arguments and parameters (a global, a random draw)"
            )
        self.retracing = True
        try:
            return self.build(args).function(*args)
        finally:
            self.retracing = False


def _key(structure: Any, args: Sequence[Any], baked: frozenset[int]) -> tuple[Any, ...]:
    """What tells one variant from another: the arguments' structure and types, and the baked numbers."""
    return (structure, kinds(args), tuple(freeze(args[a]) for a in sorted(baked)))


def _unset(*args: Any) -> float:  # pragma: no cover (replaced before any call)
    raise AssertionError("not compiled yet")


def _names(f: Callable[..., Any], n: int) -> list[str]:
    """The generated function's parameter names: f's own when they are plain positional names."""
    try:
        sig = inspect.signature(f)
        names = [p.name for p in sig.parameters.values()
                 if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        names = []
    ok = len(names) == n and len(set(names)) == n and all(_plain(x) for x in names)
    return names if ok else [f"a{k}" for k in range(n)]


def _function_name(f: Callable[..., Any], argnames: Sequence[str]) -> str:
    name = getattr(f, "__name__", "")
    return name if _plain(name) and name not in argnames else "step"


def _plain(name: str) -> bool:
    """A name the generated code may use as it is: an identifier, not a keyword, not ``_``-private
    (the generated code's own names start with ``_``), not a builtin."""
    return (name.isidentifier() and not name.startswith("_") and not keyword.iskeyword(name)
            and not hasattr(builtins, name))  # the step calls len, zip, round...


def _check_params(params: Iterable[Value]) -> list[Value]:
    try:
        listed = list(params)
    except TypeError:
        raise TypeError(f"compile: params must be a list of Values (model.parameters()); got {params!r}") \
            from None
    seen: set[Value] = set()
    for k, p in enumerate(listed):
        if not isinstance(p, Value):
            raise TypeError(f"compile: parameter #{k} is {p!r} ({type(p).__name__}), not a Value")
        if p.children:
            raise CompileError(f"compile: parameter #{k} ({p.label!r}, op {p.op!r}) is not a leaf; parameters"
                               " are the leaves being learned")
        if p in seen:
            raise CompileError(f"compile: parameter #{k} ({p.label!r}) appears twice")
        seen.add(p)
    return listed


def _check_optimizer(optimizer: Any, params: list[Value]) -> None:
    if type(optimizer) not in (SGD, Adam):  # another class's step() is its own: not generated
        raise CompileError(f"compile: optimizer= must be an nn.SGD or an nn.Adam, whose step() is generated"
                           f" in; got {optimizer!r} (class {type(optimizer).__qualname__}): compile without"
                           " optimizer= and call its step() after each step")
    if type(optimizer) is Adam and optimizer.eps == 0.0:
        raise CompileError("compile: optimizer=nn.Adam(eps=0) is not generated (its step may divide by zero"
                           " halfway through the parameters); give eps > 0, or compile without optimizer="
                           " and call optimizer.step() after each step")
    if set(optimizer.params) != set(params) or len(optimizer.params) != len(params):
        raise CompileError("compile: the optimizer's parameters must be the parameters given to compile")


@overload
def compile(  # noqa: A001
    f: Callable[..., Value], params: Iterable[Value], *example_args: Any, check: bool = ...,
    optimizer: Any = ..., return_loss: Literal[True] = ..., backend: str = ...) -> CompiledStep: ...


@overload
def compile(  # noqa: A001
    f: Callable[..., Value], params: Iterable[Value], *example_args: Any, check: bool = ...,
    optimizer: Any = ..., return_loss: Literal[False], backend: str = ...) -> CompiledUpdate: ...


@overload
def compile(  # noqa: A001
    f: Callable[..., Value], params: Iterable[Value], *example_args: Any, check: bool = ...,
    optimizer: Any = ..., return_loss: bool, backend: str = ...) -> CompiledStep | CompiledUpdate: ...


def compile(  # noqa: A001 (the name the issue asks for: autograd.compile)
    f: Callable[..., Value],
    params: Iterable[Value],
    *example_args: Any,
    check: bool = False,
    optimizer: Any = None,
    return_loss: bool = True,
    backend: str = "python",
) -> CompiledStep | CompiledUpdate:
    """Trace ``f(*example_args)`` once and return its compiled step (see the module doc).

    ``params``: the Values whose gradients ``step`` adds (every other leaf not built from the
    arguments is a constant, baked in).  ``optimizer``: an `nn.SGD` or `nn.Adam` over exactly
    ``params``: ``step(*args)`` then also does ``zero_grad()`` before and ``step()`` after.
    ``return_loss=False``: ``step`` returns None, and computes of the loss only its domain check.
    ``check``: run the engine beside the compiled code at every step, and raise
    `CompileCheckError` on any difference in the loss, a gradient or (with an optimizer) a weight.
    ``backend="numba"``: ``step.run`` compiles its loop with numba (an optional extra; see
    `autograd.compiler.native`), and so does ``step(*args)`` for a step with a batch's loop or of
    `NATIVE_NODES` nodes or more (one update, the learning rate read at each call); a smaller
    ``step(*args)`` is the Python step, which is faster there.
    """
    if backend not in ("python", "numba"):
        raise CompileError(f"compile: backend must be 'python' or 'numba'; got {backend!r}")
    if backend == "numba":
        from autograd.compiler.native import require_numba  # optional: numba

        require_numba()
    plist = _check_params(params)
    if optimizer is not None:
        _check_optimizer(optimizer, plist)
    argnames = _names(f, len(example_args))
    program = _Program(f, plist, argnames, _function_name(f, argnames), optimizer, return_loss)
    try:
        example = normalize(example_args, argnames)
    except TypeError as e:
        raise CompileError(str(e)) from None
    first = program.build(example)
    step = first.function
    if check:
        step = _checked(program, first.function)
    run = Run(program, step, generated=not check, backend=backend)
    if backend == "numba" and not check and _native_per_call(first.generated):
        from autograd.compiler.native import native_step  # optional: numba

        step = native_step(program, run, first.function)
    step.source = first.generated.source  # type: ignore[attr-defined]
    step.variants = program.sources  # type: ignore[attr-defined]
    step.labels = first.generated.labels  # type: ignore[attr-defined]
    step.run = run  # type: ignore[attr-defined]
    return cast(CompiledStep, step) if return_loss else cast(CompiledUpdate, step)


NATIVE_NODES = 200
"""``backend="numba"``: ``step(*args)`` runs the numba code when the step has a batch's loop or at
least this many nodes; a smaller step is faster as the Python step (a numba call's cost, the
parameters into arrays and back, is more than its work: see docs/compile.md)."""


def _native_per_call(generated: Generated) -> bool:
    parts = generated.parts
    return bool(parts["batches"] > 0 or parts["nodes"] >= NATIVE_NODES)


def _checked(program: _Program, fn: Callable[..., float]) -> Callable[..., float]:
    params = program.params
    optimizer = program.optimizer

    def checked(*args: Any) -> float:
        before = [(p.data, p.grad) for p in params]
        kept = {name: list(getattr(optimizer, name)) for name in state_lists(optimizer)}  # Adam's m, v, t
        if optimizer is not None:
            optimizer.zero_grad()
        loss = program.f(*args)
        loss.backward()
        if optimizer is not None:
            optimizer.step()
        expected = [(p.data, p.grad) for p in params]
        expected_state = {name: list(getattr(optimizer, name)) for name in kept}
        for p, (data, grad) in zip(params, before, strict=True):
            p.data, p.grad = data, grad
        for name, values in kept.items():
            getattr(optimizer, name)[:] = values  # the compiled step starts from the same state
        got = fn(*args)
        problems = []
        if not same(got, loss.data if program.return_loss else None):
            problems.append(f"the loss is {got!r} compiled but {loss.data!r} by the engine")
        for k, (p, (data, grad)) in enumerate(zip(params, expected, strict=True)):
            name = p.label or f"parameter #{k}"
            if not same(p.grad, grad):
                problems.append(f"{name}.grad is {p.grad!r} compiled but {grad!r} by backward()")
            if not same(p.data, data):
                problems.append(f"{name}.data is {p.data!r} compiled but {data!r} by the optimizer")
        for name, values in expected_state.items():
            for k, (x, y) in enumerate(zip(getattr(optimizer, name), values, strict=True)):
                if not same(x, y):
                    problems.append(f"optimizer.{name}[{k}] is {x!r} compiled but {y!r} by its step()")
        if problems:
            raise CompileCheckError("compile check: " + "; ".join(problems[:5])
                                    + (f"; and {len(problems) - 5} more" if len(problems) > 5 else ""))
        return got

    checked.__name__ = fn.__name__
    return checked
