"""Weight files: a model's parameters as JSON, written atomically, read back only when all valid.

The file (UTF-8 JSON, one parameter a line, in `parameters()` order)::

    {
      "format": "scalar-autograd weights",
      "version": 1,
      "architecture": {"module": "MLP", "nin": 2, "nouts": [2, 1], "activation": "sigmoid", ...},
      "parameters": {
        "w1[0][0]": 0.1,
        ...
      }
    }

- Exact: each weight is written as the ``repr`` of ``float(p.data)`` (the shortest text that reads
  back as the same float; a NumPy float or an int is written as the float it converts to) and read
  with ``float()``, so weights round-trip bit for bit.
- Numbers only, finite only: JSON has no NaN or infinity, so a model holding one, or holding
  something that is not a real number (a bool, a string, ...), is refused by `save` (naming the
  parameter; the file is not touched), and a file holding ``NaN``/``Infinity`` is refused by `load`.
- Atomic: the text goes to a temporary file in the same directory, is flushed and fsync'ed, and
  then ``os.replace``d over the target; a crash at any point leaves the old file (or none) intact.
  Only a regular file or a new path is written (a symlink is written through); `load` reads only
  a regular file.  See `autograd.files`.
- Checked: `load` reads at most a size bound for the model's parameter count, then checks the
  encoding, the JSON (nesting at most `MAX_NESTING` deep, by the C parser: see there), the format
  and version, the architecture (equal values of the same JSON types: ``2.0`` or ``true`` is not
  ``2``), every name (missing, unexpected, duplicated) and every value (a finite number; a bool or
  a string is refused) before it sets any parameter.  Any problem raises `ValueError` saying
  what is wrong, and the model is unchanged.  Nothing is ever unpickled or evaluated.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from numbers import Real
from typing import TYPE_CHECKING, Any

from autograd.files import read_regular_file, write_atomically

if TYPE_CHECKING:
    from nn.module import Module

__all__ = ["FORMAT", "VERSION", "check_state", "load", "max_file_bytes", "save"]

FORMAT = "scalar-autograd weights"
VERSION = 1


def max_file_bytes(module: Module) -> int:
    """The largest weight file `load` reads for ``module``: 4 KiB plus 256 bytes a parameter.

    A file `save` writes uses under 100 bytes a parameter, so hand-edited whitespace has room;
    anything larger cannot be this model's and is refused before it is parsed.
    """
    return 4096 + 256 * len(module.parameters())


def save(module: Module, path: str | os.PathLike[str]) -> None:
    """Write ``module``'s weights to ``path`` as JSON, atomically (`autograd.files.write_atomically`).

    Each parameter is written as ``float(p.data)``: any real number is accepted (a NumPy float or
    int too) and read back by `load` as exactly that float.  Raises `ValueError` naming the
    parameter (and leaves ``path`` untouched) when one is NaN, infinite, or not a real number (a
    bool, a string, ...), and `OSError` when the file cannot be written (the old file, if any, is
    then still intact): a directory, device, named pipe or socket at ``path`` is refused before
    anything is written (`autograd.files.NotARegularFileError`); a symlink is written through.
    """
    state = module.state_dict()
    if len(state) != len(module.parameters()):
        raise ValueError(f"save: the parameter names of {module!r} are not unique; cannot name each weight")
    values = [_savable(name, value) for name, value in state.items()]
    lines = [
        "{",
        f'  "format": {json.dumps(FORMAT)},',
        f'  "version": {VERSION},',
        f'  "architecture": {json.dumps(module.architecture(), ensure_ascii=False)},',
        '  "parameters": {',
        ",\n".join(
            f"    {json.dumps(name, ensure_ascii=False)}: {value!r}"
            for name, value in zip(state, values, strict=True)
        ),
        "  }",
        "}",
        "",
    ]
    write_atomically(path, "\n".join(lines).encode("utf-8"))


def _savable(name: str, value: object) -> float:
    """A parameter's value as the plain float a weight file holds, or `ValueError` naming it."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise ValueError(
            f"save: parameter {name!r} is {_short_repr(value)} ({type(value).__name__}); a weight file"
            " holds real numbers only (an int or a float)"
        )
    try:
        x = float(value)
    except OverflowError:
        raise ValueError(f"save: parameter {name!r} is a number too large for a float") from None
    except (TypeError, ValueError) as e:
        raise ValueError(
            f"save: parameter {name!r} is {_short_repr(value)} ({type(value).__name__}), which float()"
            f" refuses: {e}"
        ) from None
    if not math.isfinite(x):
        raise ValueError(
            f"save: parameter {name!r} is {_short_repr(value)}; a weight file holds finite numbers only"
        )
    return x


def _short_repr(value: object, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 3]}..."


def load(module: Module, path: str | os.PathLike[str]) -> None:
    """Set ``module``'s weights from a file written by `save`, after checking all of it.

    Raises `ValueError` naming the file and the problem (the model is then unchanged), or
    `OSError` when the file cannot be read; a path that is not a regular file (a named pipe, a
    device, a directory) is refused at once, unopened, with `autograd.files.NotARegularFileError`.
    """
    where = f"load {os.fspath(path)!r}"
    limit = max_file_bytes(module)
    raw = read_regular_file(path, limit + 1)
    if len(raw) > limit:
        raise ValueError(
            f"{where}: the file is larger than {limit} bytes, the most a weight file of"
            f" {module!r} ({len(module.parameters())} parameters) can need; refusing to read it"
        )
    if not raw or raw.isspace():  # (not raw.strip(): that copies the file)
        raise ValueError(f"{where}: the file is empty; expected a weight file written by save()")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ValueError(f"{where}: not UTF-8 text (byte {e.start}); not a weight file") from None
    too_deep = f"{where}: the JSON is nested too deeply to be a weight file"
    try:
        doc = json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_no_constant)
    except RecursionError:  # the parser met more nesting than the interpreter's stack allows
        raise ValueError(too_deep) from None
    except json.JSONDecodeError as e:
        hint = " (the file looks truncated)" if e.pos >= len(text.rstrip()) else ""
        raise ValueError(
            f"{where}: not valid JSON{hint}: {e.msg.removesuffix(' at')} at line {e.lineno} column {e.colno}"
        ) from None
    except _RefusedError as e:
        raise ValueError(f"{where}: {e}") from None
    except ValueError as e:  # e.g. an integer literal of more digits than Python converts
        raise ValueError(f"{where}: a number in the file cannot be read: {e}") from None
    if _deeper_than(doc, MAX_NESTING):
        raise ValueError(too_deep)
    values = _check_document(module, doc, where)
    for p, x in zip(module.parameters(), values, strict=True):
        p.data = x


MAX_NESTING = 8
"""The deepest nesting of lists and objects `load` reads (a weight file has 3).

The file is parsed by `json`'s C parser, which stops with a `RecursionError` where the running
interpreter's stack ends (a thousand or so levels, at once, however large the file); what it parses
is then measured (`_deeper_than`, stopping at the first container too deep).  Either way it is the
same refusal, "nested too deeply", so the answer does not depend on how deep the parser can go.
Nothing walks the text in Python: the most hostile file of the largest size `load` reads is refused
in the time the C parser takes to reach its first error."""


def _deeper_than(doc: object, limit: int) -> bool:
    """Whether parsed JSON nests lists and objects more than ``limit`` deep (the top one is 1).

    Iterative, and it returns at the first container past ``limit``; only containers are pushed
    (a weight file's parameters are looked at once each, to see they are not containers).
    """
    stack: list[tuple[object, int]] = [(doc, 1)]
    while stack:
        node, depth = stack.pop()
        items = node.values() if isinstance(node, dict) else node if isinstance(node, list) else None
        if items is None:
            continue
        if depth > limit:
            return True
        stack.extend((item, depth + 1) for item in items if isinstance(item, (dict, list)))
    return False


def check_state(module: Module, state: object, where: str) -> list[float]:
    """Check ``{name: number}`` against ``module``'s parameters; their values in parameter order.

    Names must match exactly; values must be finite ints or floats (bools are refused).  Raises
    `ValueError` saying every missing and unexpected name, or the first bad value.
    """
    if not isinstance(state, Mapping):
        hint = "; to read a weight file, use load(path)" if isinstance(state, (str, os.PathLike)) else ""
        raise ValueError(
            f"{where}: expected a mapping from parameter name to number; got {type(state).__name__}{hint}"
        )
    names = [name for name, _ in module.named_parameters()]
    if len(set(names)) != len(names):
        raise ValueError(f"{where}: the parameter names of {module!r} are not unique")
    missing = [n for n in names if n not in state]
    known = set(names)
    unexpected = [repr(n) for n in state if n not in known]
    if missing or unexpected:
        parts = []
        if missing:
            parts.append(f"missing {', '.join(map(repr, missing))}")
        if unexpected:
            parts.append(f"unexpected {', '.join(unexpected)}")
        raise ValueError(f"{where}: the parameter names do not match {module!r}: {'; '.join(parts)}")
    values = []
    for name in names:
        x = state[name]
        if isinstance(x, bool) or not isinstance(x, (int, float)):
            raise ValueError(f"{where}: parameter {name!r} is {x!r} ({type(x).__name__}); expected a number")
        try:
            value = float(x)
        except OverflowError:
            raise ValueError(f"{where}: parameter {name!r} is an integer too large for a float") from None
        if not math.isfinite(value):
            raise ValueError(f"{where}: parameter {name!r} is {value!r}; weights must be finite")
        values.append(value)
    return values


# ---- reading ------------------------------------------------------------------------------------


class _RefusedError(ValueError):
    """Something the JSON parser met that a weight file never holds."""


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _RefusedError(f"the key {key!r} appears twice in one object")
        out[key] = value
    return out


def _no_constant(name: str) -> float:
    raise _RefusedError(f"the file holds {name}; a weight file holds finite numbers only")


def _check_document(module: Module, doc: object, where: str) -> list[float]:
    if not isinstance(doc, dict):
        raise ValueError(f"{where}: expected a JSON object at the top; got {type(doc).__name__}")
    expected = {"format", "version", "architecture", "parameters"}
    if set(doc) != expected:
        missing = sorted(expected - set(doc))
        unexpected = sorted(set(doc) - expected)
        raise ValueError(
            f"{where}: not a weight file: keys {sorted(doc)}; expected {sorted(expected)}"
            f" (missing {missing}, unexpected {unexpected})"
        )
    if doc["format"] != FORMAT:
        raise ValueError(f"{where}: format is {doc['format']!r}; expected {FORMAT!r}")
    if type(doc["version"]) is not int or doc["version"] != VERSION:
        raise ValueError(
            f"{where}: version {doc['version']!r} is not supported; this library reads version {VERSION}"
        )
    architecture = module.architecture()
    wrong = _wrong_type(doc["architecture"], architecture, "architecture")
    if wrong:
        raise ValueError(f"{where}: {wrong}")
    if doc["architecture"] != architecture:
        raise ValueError(
            f"{where}: the file is for the architecture"
            f" {json.dumps(doc['architecture'], ensure_ascii=False)},"
            f" not this model's {json.dumps(architecture, ensure_ascii=False)}"
        )
    return check_state(module, doc["parameters"], where)


_JSON_KINDS = {bool: "a boolean", int: "an integer", float: "a number with a decimal point or an exponent",
               str: "a string", list: "a list", dict: "an object", type(None): "null"}


def _json_kind(x: object) -> str:
    return _JSON_KINDS.get(type(x), type(x).__name__)


def _wrong_type(found: object, expected: object, where: str) -> str | None:
    """The first place ``found`` holds a different JSON type than ``expected``, said in words.

    Exact types, as JSON has them: ``true`` is not ``1`` and ``2.0`` is not ``2``, though Python's
    ``==`` says they are.  Keys present in both objects, and list items by position (the items of
    a longer list of ``found`` are checked against ``expected``'s last), are compared; keys and
    lengths that differ are left to the comparison of values.
    """
    if type(found) is not type(expected):
        return (
            f"{where} is {json.dumps(found, ensure_ascii=False)} ({_json_kind(found)});"
            f" expected {_json_kind(expected)}, like this model's {json.dumps(expected, ensure_ascii=False)}"
        )
    if isinstance(found, dict) and isinstance(expected, dict):
        for key in expected:
            if key in found:
                at = f"{where} {json.dumps(key, ensure_ascii=False)}"
                wrong = _wrong_type(found[key], expected[key], at)
                if wrong:
                    return wrong
    elif isinstance(found, list) and isinstance(expected, list) and expected:
        for k, item in enumerate(found):
            wrong = _wrong_type(item, expected[min(k, len(expected) - 1)], f"{where}[{k}]")
            if wrong:
                return wrong
    return None
