"""``step.run(samples, epochs=1, lr=None)``: a compiled step's training loop, generated as one function.

``step.run(samples, epochs)`` is, bit for bit, ::

    for _ in range(epochs):
        for sample in samples:
            losses.append(step(*sample))

and, with a learning rate per update (``lr=``: a list of ``total = len(samples) * epochs`` rates, or
a function ``k -> rate`` called once for each k = 0 .. total - 1 before the first update), ::

    for k in range(total):
        opt.lr = rates[k]
        losses.append(step(*samples[k % len(samples)]))

but the loop is generated around the step's own lines (`autograd.compiler.codegen`), so the
parameters live in local variables for the whole run and are written back to their Values once,
at the end: no Python call and no attribute access per update.  The loop's code for the seed::

    def loss_run(_samples, _start, _append, *, _P0=_P0, _math=_math, ...):
        w1_0_0 = _P0.data                   # the step's own loads, once
        ...
        _run_g0 = _P0.grad                  # the gradients too
        ...
        try:
            for _run_k, _run_sample in _enumerate(_samples, _start):  # the samples from _start on
                try:
                    (x, y) = _run_sample
                    ...                     # the step's forward lines
                except (ArithmeticError, TypeError, ValueError):
                    break                   # the step's own call says what went wrong
                ...                         # its guards (return _run_k), its backward lines
                _run_g0 = d_w1_0_0          # nn.SGD's update, on the locals
                w1_0_0 = w1_0_0 - _lr * d_w1_0_0
                ...
                _append(loss)
            else:
                _run_k = -1
        finally:
            _P0.data = w1_0_0               # written back once, also when a line raises
            _P0.grad = _run_g0
            ...
        return _run_k

An update's locals are assigned only after its forward and backward lines have all run, so when
update k stops the loop (a domain error, another structure, a guard), the parameters written back
are those after update k - 1; `run` then calls the step itself on sample k (which raises the
engine's error naming the node, or traces the other graph and goes on) and re-enters the loop at
k + 1.  The learning rate is read once per entry of the loop (the step reads it at every call).

**A schedule.**  With ``lr=``, the loop is a variant of its own (``loop_source(...,
scheduled=True)``, built on the first run with one): update k's end starts with ``_lr =
_lrs[_run_k]``, k the update's index in the whole run (across the epochs and the re-entries:
``_enumerate(_samples, _start)`` counts from where the loop re-enters), and the ``finally`` writes
``_lr`` back to ``opt.lr``: the rate of the last whole update.  When update k stops the loop,
`Run` sets ``opt.lr = rates[k]`` before the step's own call on sample k, so an error leaves
``opt.lr`` at ``rates[k]`` with the parameters after update k - 1, as the loop of calls does.
Without ``lr=`` the loop has no line for it (the seed's loop, benchmarked against a hand-written
one, is the same code as before schedules).
With ``nn.Adam`` or momentum, the optimizer's state (``m``, ``v``, ``t``; ``velocity``) is in
locals too, read before the loop and written back in the ``finally`` with the parameters.

**Types, once per run.**  The step checks at each call that its arguments have the types it was
traced with (``type(x_0) is not float``...).  In a run those checks are the same samples' over
and over; so the Python backend also writes the step's unpacking and type-check lines as a
function of the samples (`types_source`), runs it once over them, and when every sample passes,
runs the loop without the checks (``typed=False``; the seed's update: 10% fewer instructions).
A sample of another type in the list, and the run is the loop that checks at each update, as
above.  (The samples are not to change while the run goes on: a run reads them as they were.)
"""

from __future__ import annotations

import builtins
import linecache
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import chain, count, islice, repeat
from typing import Any

from autograd.compiler.codegen import Generated, _names_read
from autograd.compiler.updates import buffers_ready, math_name, state_lists, update_lines

__all__ = ["Run", "loop_source"]

_files = count(1)

def loop_source(generated: Generated, optimizer: Any, *, typed: bool = True,
                scheduled: bool = False) -> tuple[str, str]:
    """The source of the loop of the step ``generated`` and its function's name.  ``typed=False``:
    without the step's type checks, for samples that `types_source`'s function has checked.
    ``scheduled=True`` (with an optimizer): a learning rate per update, ``_lr = _lrs[_run_k]`` at
    the start of update k's end (``_lrs`` a fourth argument, the run's rates), and the optimizer's
    ``lr`` written back in the ``finally`` (the rate of the last whole update); without it the rate
    is read once, before the loop, and no line of the loop reads it."""
    parts = generated.parts
    name = f"{generated.function}_run" if typed else f"{generated.function}_run_checked"
    if scheduled:
        if optimizer is None:
            raise ValueError("loop_source: scheduled=True needs an optimizer")
        name += "_scheduled"
    args = parts["args"]
    state: list[tuple[str, str | None, str | None]] = parts["state"]
    lines = [f"# autograd.compile of {generated.function}, as a loop: step.run(samples, epochs"
             f"{', lr' if scheduled else ''})",
             f"def {name}(_samples, _start, _append{', _lrs' if scheduled else ''}):"]
    body: list[str] = list(parts["load"])
    data = [w or f"_run_w{k}" for k, (_, w, _) in enumerate(state)]
    grads = [f"_run_g{k}" for k in range(len(state))]
    for k, (alias, w, _) in enumerate(state):
        if w is None:  # a parameter of the optimizer outside the graph: it still takes its step
            body.append(f"{data[k]} = {alias}.data")
        body.append(f"{grads[k]} = {alias}.grad")
    kept = state_lists(optimizer)  # Adam's m, v, t; SGD's momentum buffers: in locals too
    slots = {name: [f"_run_{name}{k}" for k in range(len(state))] for name in kept}
    if optimizer is not None:
        opt_alias = next(n for n, obj in generated.objects.items() if obj is optimizer)
        body.append(f"_lr = {opt_alias}.lr")
        body += [f"{slots[name][k]} = {opt_alias}.{name}[{k}]" for name in kept for k in range(len(state))]
    update = update_lines(state, data, grads, optimizer, slots, math=math_name(generated.objects))
    if scheduled:  # this update's rate: read after its forward and backward lines, with its other locals
        update.insert(0, "_lr = _lrs[_run_k]")
    if parts["loss"] is not None:
        update.append(f"_append({parts['loss']})")
    unpack = _unpack(args)
    body.append("_run_k = -1")
    body.append("try:")
    body.append("    for _run_k, _run_sample in _enumerate(_samples, _start):  # the samples from _start on")
    inner = ["try:", f"    {unpack}"]
    start, stop = parts["types"]
    forward = parts["forward"] if typed else parts["forward"][:start] + parts["forward"][stop:]
    inner += ["    " + _stop(line) for line in forward]
    inner += ["except (ArithmeticError, TypeError, ValueError):",
              "    break  # the step's own call on this sample says what went wrong"]
    inner += [_stop(line) for line in parts["guards"]]
    if parts["backward"]:  # a derivative rule that raises (a define_op's): the step's call names the node
        inner += ["try:", *("    " + line for line in parts["backward"]),
                  "except (ArithmeticError, TypeError, ValueError):", "    break"]
    inner += update
    body += ["        " + line for line in inner]
    body += ["    else:", "        _run_k = -1  # every sample done"]
    body.append("finally:  # once, at the end or at the update that stopped: never half an update")
    for k, (alias, _, _) in enumerate(state):
        if optimizer is not None:
            body.append(f"    {alias}.data = {data[k]}")
        body.append(f"    {alias}.grad = {grads[k]}")
    body += [f"    {opt_alias}.{name}[{k}] = {slots[name][k]}" for name in kept for k in range(len(state))]
    if scheduled:  # the rate of the last whole update (the one read before the loop if none ran)
        body.append(f"    {opt_alias}.lr = _lr")
    body.append("return _run_k")
    # the objects the loop reads (_math, _bce, _P0...), bound as keyword-only defaults: locals
    read = sorted(n for n in _names_read(body) if n in generated.objects or n in objects())
    if read:
        lines[-1] = lines[-1][: -len("):")] + ", *, " + ", ".join(f"{n}={n}" for n in read) + "):"
    return "\n".join([*lines, *("    " + line for line in body)]) + "\n", name


def types_source(generated: Generated) -> tuple[str, str] | None:
    """The source of a function of the samples that is True when each has the structure and the
    types the step was traced with, and its name: the step's own unpacking and type-check lines,
    run once per run in place of once per update (None: the step checks no type)."""
    parts = generated.parts
    start, stop = parts["types"]
    if start == stop:
        return None
    name = f"{generated.function}_types"
    unpack = _unpack(parts["args"])
    checks = [_stop(line, "return False  # another type") for line in parts["forward"][start:stop]]
    lines = [f"# step.run's samples, checked once: of {generated.function}'s traced structure and types",
             f"def {name}(_samples):",
             "    for _run_sample in _samples:",
             "        try:",
             f"            {unpack}",
             *("            " + line for line in parts["forward"][:start]),
             "        except Exception:",
             "            return False  # another structure: the loop that checks at each update says what",
             *("        " + line for line in checks),
             "    return True"]
    return "\n".join(lines) + "\n", name


def _unpack(args: list[str]) -> str:
    """The line that makes a sample the step's arguments, as a call of the step would."""
    return f"({', '.join(args)}{',' if len(args) == 1 else ''}) = _run_sample"


_STOPPED = "return _run_k  # the step's own call on this sample goes on from here"


def _stop(line: str, instead: str = _STOPPED) -> str:
    """A line of the step, in the loop: its ``return _recover(...)``/``return _retrace(...)``
    (another structure, a guard, a domain error) stops the loop instead: ``return _run_k``, not
    ``break``, which inside a batch's own loop (a sample of another type) would leave only that."""
    for exit_ in ("return _recover(", "return _retrace("):
        at = line.find(exit_)
        if at >= 0:
            return line[:at] + instead
    return line


def objects() -> dict[str, object]:
    """The names the loop's code uses besides the step's."""
    return {"_enumerate": enumerate}


Rates = Sequence[float] | Callable[[int], float]
"""``step.run``'s ``lr=``: one learning rate per update, listed or as a function of the update's index."""


class Run:
    """``step.run``: ``run(samples, epochs=1, lr=None)`` is ``step(*sample)`` for each of
    ``samples`` in order, ``epochs`` times, as one generated loop (see the module doc); it returns
    the losses, one per update (None with ``return_loss=False``).

    ``lr``: a learning rate per update (a step compiled with ``optimizer=``), either a sequence of
    ``len(samples) * epochs`` numbers or a function ``k -> rate`` of the update's index k = 0 ..
    total - 1 (counted across epochs; called once for each k, in order, before the first update).
    The run is then, bit for bit, ::

        for k in range(total):
            opt.lr = rates[k]
            losses.append(step(*samples[k % len(samples)]))

    and ``opt.lr`` is left at the rate of the last update run (when update k raises: ``rates[k]``,
    with the parameters as after update k - 1).  ``lr=None``: the rate is ``opt.lr``, read once.

    ``sources``: the loops' code, one per variant of the step that a run has started with (a run
    with ``lr=`` runs the same loop with the rate's two lines more: ``loop_source(...,
    scheduled=True)``); ``run(samples, epochs=0)`` builds the loop and runs
    nothing (to time the compiling apart)."""

    def __init__(self, program: Any, step: Callable[..., Any], generated: bool,
                 backend: str = "python") -> None:
        self._program = program  # the step's `autograd.compiler.step._Program`
        self._step = step
        self._generated = generated  # False: check=True's step, run call by call
        self._backend = backend  # "python", or "numba": the loop compiled by numba (autograd.compiler.native)
        self._loops: dict[Any, Callable[..., int]] = {}
        # per variant of the Python backend: the samples' check and the loop without type checks
        self._checked: dict[Any, tuple[Callable[[Sequence[Any]], bool], Callable[..., int]]] = {}
        self._python: list[_PythonLoop] = []  # every Python loop (their schedule's variants are built lazily)
        self.sources: list[str] = []
        self._build_seconds = 0.0

    def __call__(self, samples: Iterable[Sequence[Any]], epochs: int = 1,
                 lr: Rates | None = None) -> list[float] | None:
        if not isinstance(epochs, int) or isinstance(epochs, bool) or epochs < 0:
            raise ValueError(f"run: epochs must be a whole number >= 0; got {epochs!r}")
        program, step = self._program, self._step
        if lr is not None and program.optimizer is None:
            raise ValueError("run: lr= (a learning rate per update) needs a step compiled with optimizer=")
        listed = samples if isinstance(samples, (list, tuple)) else list(samples)
        losses: list[float] = []
        append = losses.append if program.return_loss else _ignore
        total = len(listed) * epochs
        rates = None if lr is None else _rates(lr, total)
        optimizer = program.optimizer
        start = 0
        key, loop = self._loop_for(listed[0]) if listed and self._generated else (None, None)
        if key in self._checked and total:
            types, checked = self._checked[key]
            if types(listed):  # every sample of the trace's structure and types, checked once
                loop = checked  # not at each update
        if total and loop is not None and not _numbers_only(program):
            if rates is not None:
                optimizer.lr = rates[0]
            append(step(*listed[0]))  # the step's own: then every grad and momentum buffer is a float
            start = 1
        if loop is not None and total == 0:
            loop(listed, 0, 0, append)  # runs nothing; numba's loop is compiled for these samples
        while start < total:
            if loop is None:  # check=True's step, or a first sample that is not the step's arguments
                if rates is not None:
                    optimizer.lr = rates[start]
                append(step(*listed[start % len(listed)]))
                start += 1
                continue
            stopped = loop(listed, epochs, start, append, rates)  # opt.lr: its last whole update's rate
            if stopped < 0:
                break
            if rates is not None:
                optimizer.lr = rates[stopped]
            append(step(*listed[stopped % len(listed)]))  # raises the engine's error, or goes on
            start = stopped + 1
        return losses if program.return_loss else None

    def _loop_for(self, sample: Any) -> tuple[Any, Callable[..., int] | None]:
        """The variant that ``sample`` runs and its loop (None, None if the sample is not a sequence
        of the step's arguments: then the step's call says what is wrong)."""
        program = self._program
        try:
            args = tuple(sample)
            key = program.key(args, program.baked or frozenset())
        except Exception:
            return None, None
        if key not in self._loops:
            started = time.perf_counter()
            variant = program.variants.get(key) or program.build(args)
            namespace = {**variant.function.__globals__, **objects()}
            python = _PythonLoop(variant.generated, program.optimizer, namespace, self.sources)
            self._python.append(python)
            if self._backend == "numba":
                from autograd.compiler.native import NumbaLoop  # optional: numba

                self._loops[key] = NumbaLoop(variant.generated, program, python, args)
            else:
                self._loops[key] = python
                types = types_source(variant.generated)
                if types is not None:  # the same loop less its type checks, for samples checked before
                    checked = _PythonLoop(variant.generated, program.optimizer, namespace, None, typed=False)
                    self._python.append(checked)
                    self._checked[key] = (_defined(*types, namespace), checked)
            self._build_seconds += time.perf_counter() - started
        return key, self._loops[key]

    @property
    def compile_seconds(self) -> float:
        """The seconds spent building the loops (with numba: compiling them, on their first run)."""
        native = sum(getattr(loop, "compile_seconds", 0.0) for loop in self._loops.values()
                     if not isinstance(loop, _PythonLoop))
        return self._build_seconds + native + sum(loop.compile_seconds for loop in self._python)


def _rates(lr: Any, total: int) -> list[float]:
    """``run``'s ``lr=`` as the list of the ``total`` updates' rates, each checked (an int or a
    float, not a bool; a subclass, ``numpy.float64`` say, is taken as the int or float it is; an
    int too large for a float is refused here, before any update): a function is called once for
    each k = 0 .. total - 1, in order."""
    if callable(lr):
        rates = [lr(k) for k in range(total)]
    elif isinstance(lr, (str, bytes)) or not isinstance(lr, Iterable):
        raise TypeError(f"run: lr must be a sequence of learning rates (one per update) or a function"
                        f" k -> rate; got {lr!r}")
    else:
        rates = list(lr)
        if len(rates) != total:
            raise ValueError(f"run: lr has {len(rates)} rates; the run has {total} updates"
                             f" (len(samples) * epochs): one rate per update")
    for k, rate in enumerate(rates):
        if not isinstance(rate, (int, float)) or isinstance(rate, bool):
            raise TypeError(f"run: the learning rate of update {k} must be an int or a float; got {rate!r}"
                            f" ({type(rate).__name__})")
        if type(rate) is not int and type(rate) is not float:  # numpy.float64: the float it is
            rates[k] = rate = float(rate) if isinstance(rate, float) else int(rate)
        if isinstance(rate, int) and abs(rate) >= _TOO_LARGE:  # the update would raise, half-way
            raise OverflowError(f"run: the learning rate of update {k} is an int too large for a float"
                                f" ({rate.bit_length()} bits); the update multiplies it by floats")
    return rates


_TOO_LARGE = 2 ** 1024 - 2 ** 970  # from here up, an int rounds to 2**1024: float() overflows


def _defined(source: str, name: str, namespace: dict[str, Any]) -> Callable[..., Any]:
    """The function ``name`` that ``source`` (our own text: names and numbers) defines, run in
    ``namespace``; its lines are in `linecache`, for tracebacks and debuggers."""
    filename = f"<autograd.compile {name} #{next(_files)}>"
    exec(builtins.compile(source, filename, "exec"), namespace)
    linecache.cache[filename] = (len(source), None, source.splitlines(keepends=True), filename)
    return namespace[name]  # type: ignore[no-any-return]


class _PythonLoop:
    """One variant's generated loop (`loop_source`), called as every backend's loop: ``loop(samples,
    epochs, start, append, rates=None)`` -> the index of the update it stopped before, or -1.  With
    ``rates`` (one per update of the run), the loop that reads update k's rate from ``rates[k]``:
    built on the first run with a schedule, and kept (the loop without one has no line for it)."""

    def __init__(self, generated: Generated, optimizer: Any, namespace: dict[str, Any],
                 sources: list[str] | None, *, typed: bool = True) -> None:
        self._generated, self._optimizer, self._namespace = generated, optimizer, namespace
        self._sources = sources  # where the sources are listed (Run.sources), or None
        self._typed = typed
        self._function = self._define(scheduled=False)
        self._scheduled: Callable[..., int] | None = None
        self.compile_seconds = 0.0  # building the schedule's loop (the first is timed by Run)

    def _define(self, scheduled: bool) -> Callable[..., int]:
        source, name = loop_source(self._generated, self._optimizer, typed=self._typed, scheduled=scheduled)
        if self._sources is not None and not scheduled:  # (the schedule's: two lines more, not listed)
            self._sources.append(source)
        return _defined(source, name, self._namespace)

    def __call__(self, samples: Sequence[Any], epochs: int, start: int, append: Callable[[Any], None],
                 rates: Sequence[float] | None = None) -> int:
        flat: Iterator[Any] = chain.from_iterable(repeat(samples, epochs))  # epochs x samples
        if start:
            flat = islice(flat, start, None)
        if rates is None:
            return self._function(flat, start, append)
        if self._scheduled is None:
            began = time.perf_counter()
            self._scheduled = self._define(scheduled=True)
            self.compile_seconds += time.perf_counter() - began
        return self._scheduled(flat, start, append, rates)


def _numbers_only(program: Any) -> bool:
    """Whether the loop's locals can start from the state as it is: without an optimizer, every
    ``grad`` a number (None counts as 0 in the step); with momentum, every buffer a float (None
    before a parameter's first step: the buffer is then the gradient)."""
    optimizer = program.optimizer
    if optimizer is None:
        return all(isinstance(p.grad, (int, float)) for p in program.params)
    return buffers_ready(optimizer)


def _ignore(_: Any) -> None:
    return None
