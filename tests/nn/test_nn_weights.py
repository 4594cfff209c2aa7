"""Weight files: exact round trips, atomic saves, and every bad file refused with the model unchanged."""

from __future__ import annotations

import json
import math
import os
import stat
import sys
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

import pytest
from blocking import returns_at_once

import nn
from autograd import Value
from demos.seed import seed_model
from nn import weights

if TYPE_CHECKING:
    from _typeshed import TraceFunction


def _trained() -> nn.MLP:
    """A 2-2-1 model whose weights are awkward floats (not short decimals)."""
    return nn.MLP(2, [2, 1], "sigmoid", seed=11)


def _saved(tmp_path: Path) -> Path:
    path = tmp_path / "weights.json"
    _trained().save(path)
    return path


def _assert_refused(path: Path, message: str) -> None:
    model = seed_model()
    before = model.state_dict()
    with pytest.raises(ValueError, match=message):
        model.load(path)
    assert model.state_dict() == before


def test_save_then_load_round_trips_bit_for_bit(tmp_path: Path) -> None:
    source = _trained()
    source.save(tmp_path / "w.json")
    target = seed_model()
    target.load(tmp_path / "w.json")
    assert [p.data.hex() for p in target.parameters()] == [p.data.hex() for p in source.parameters()]


@pytest.mark.parametrize("value", [5e-324, -0.0, 1.7976931348623157e308, 0.1 + 0.2, -1 / 3, 2.0**-1074 * 3])
def test_awkward_floats_round_trip_exactly(tmp_path: Path, value: float) -> None:
    model = seed_model()
    model.layers[1].neurons[0].b.data = value
    model.save(tmp_path / "w.json")
    loaded = _trained()
    loaded.load(tmp_path / "w.json")
    assert loaded.state_dict()["b2"].hex() == value.hex()


@pytest.mark.parametrize("module", [nn.Neuron(3, "tanh", seed=2), nn.Layer(2, 3, "relu", seed=2)],
                         ids=["neuron", "layer"])
def test_a_neuron_or_layer_round_trips_too(tmp_path: Path, module: nn.Module) -> None:
    module.save(tmp_path / "w.json")
    fresh = nn.Neuron(3, "tanh", seed=9) if isinstance(module, nn.Neuron) else nn.Layer(2, 3, "relu", seed=9)
    assert type(fresh) is type(module)
    assert fresh.state_dict() != module.state_dict()
    fresh.load(tmp_path / "w.json")
    assert fresh.state_dict() == module.state_dict()


def test_a_file_for_another_kind_of_module_is_refused(tmp_path: Path) -> None:
    nn.Layer(2, 2).save(tmp_path / "w.json")
    _assert_refused(tmp_path / "w.json", 'the file is for the architecture {"module": "Layer"')


def test_the_file_is_readable_json_in_parameter_order(tmp_path: Path) -> None:
    model = seed_model()
    model.save(tmp_path / "w.json")
    doc = json.loads((tmp_path / "w.json").read_text(encoding="utf-8"))
    assert doc["format"] == "scalar-autograd weights"
    assert doc["version"] == 1
    assert doc["architecture"] == {"module": "MLP", "nin": 2, "nouts": [2, 1], "activation": "sigmoid",
                                   "output_activation": "sigmoid"}
    assert list(doc["parameters"].items()) == list(model.state_dict().items())


def test_save_replaces_an_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "w.json"
    seed_model().save(path)
    _trained().save(path)
    loaded = seed_model()
    loaded.load(path)
    assert loaded.state_dict() == _trained().state_dict()


def test_save_keeps_the_old_files_permissions(tmp_path: Path) -> None:
    path = tmp_path / "w.json"
    path.write_text("old", encoding="utf-8")
    path.chmod(0o640)
    seed_model().save(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_a_new_file_gets_the_usual_permissions(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    try:
        seed_model().save(tmp_path / "w.json")
    finally:
        os.umask(umask)
    assert stat.S_IMODE((tmp_path / "w.json").stat().st_mode) == 0o644


def test_save_leaves_no_temporary_file(tmp_path: Path) -> None:
    seed_model().save(tmp_path / "w.json")
    assert [p.name for p in tmp_path.iterdir()] == ["w.json"]


def test_save_accepts_a_string_path(tmp_path: Path) -> None:
    seed_model().save(str(tmp_path / "w.json"))
    assert (tmp_path / "w.json").exists()


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_save_refuses_a_non_finite_weight_and_keeps_the_old_file(tmp_path: Path, bad: float) -> None:
    path = _saved(tmp_path)
    old = path.read_bytes()
    model = seed_model()
    model.layers[0].neurons[1].w[0].data = bad
    with pytest.raises(ValueError, match=rf"save: parameter 'w1\[1\]\[0\]' is {bad!r}; .* finite numbers"):
        model.save(path)
    assert path.read_bytes() == old


def _crash_midway(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the first os.write put half its bytes on disk and then fail, like a full disk."""
    real_write = os.write

    def write(fd: int, data: bytes | memoryview) -> int:
        real_write(fd, bytes(data[: len(data) // 2]))
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "write", write)


def test_a_save_that_fails_midway_leaves_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _saved(tmp_path)
    old = path.read_bytes()
    _crash_midway(monkeypatch)
    with pytest.raises(OSError, match="No space left"):
        seed_model().save(path)
    monkeypatch.undo()
    assert path.read_bytes() == old
    assert [p.name for p in tmp_path.iterdir()] == ["weights.json"]


def test_a_save_that_fails_midway_creates_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _crash_midway(monkeypatch)
    with pytest.raises(OSError, match="No space left"):
        seed_model().save(tmp_path / "new.json")
    monkeypatch.undo()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("step", ["fsync", "replace"])
def test_a_failure_before_the_rename_leaves_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    path = _saved(tmp_path)
    old = path.read_bytes()

    def fail(*args: object) -> None:
        raise OSError(5, f"I/O error in {step}")

    monkeypatch.setattr(os, step, fail)
    with pytest.raises(OSError, match=f"I/O error in {step}"):
        seed_model().save(path)
    monkeypatch.undo()
    assert path.read_bytes() == old
    assert [p.name for p in tmp_path.iterdir()] == ["weights.json"]


def test_loading_a_missing_file_is_an_os_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        seed_model().load(tmp_path / "missing.json")


def test_an_empty_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "w.json").write_bytes(b"")
    _assert_refused(tmp_path / "w.json", "the file is empty")


def test_a_blank_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "w.json").write_bytes(b"  \n\n")
    _assert_refused(tmp_path / "w.json", "the file is empty")


def test_every_truncation_of_a_good_file_is_refused(tmp_path: Path) -> None:
    text = _saved(tmp_path).read_bytes()
    cut = tmp_path / "cut.json"
    for n in range(1, len(text.rstrip())):
        cut.write_bytes(text[:n])
        _assert_refused(cut, "not valid JSON")


def test_a_truncated_file_is_named_as_truncated(tmp_path: Path) -> None:
    text = _saved(tmp_path).read_bytes()
    (tmp_path / "cut.json").write_bytes(text[: len(text) // 2])
    _assert_refused(tmp_path / "cut.json", r"not valid JSON \(the file looks truncated\)")


def test_a_huge_blank_file_is_refused_as_too_large(tmp_path: Path) -> None:
    path = tmp_path / "huge.json"
    path.write_bytes(b" " * (2 * weights.max_file_bytes(seed_model())))
    _assert_refused(path, "larger than")


def test_a_file_larger_than_the_model_could_need_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "huge.json"
    limit = weights.max_file_bytes(seed_model())
    with path.open("wb") as f:
        f.write(b"{" + b" " * (50 * limit) + b"}")
    _assert_refused(path, rf"larger than {limit} bytes")


def test_binary_garbage_is_refused(tmp_path: Path) -> None:
    (tmp_path / "w.json").write_bytes(b"\x80\x81\xfe\xff" * 8)
    _assert_refused(tmp_path / "w.json", "not UTF-8 text")


def test_deeply_nested_json_is_refused(tmp_path: Path) -> None:
    (tmp_path / "w.json").write_bytes(b"[" * 3000 + b"]" * 3000)
    _assert_refused(tmp_path / "w.json", "the JSON is nested too deeply to be a weight file")


def _edit(tmp_path: Path, change: Callable[[dict[str, object]], None]) -> Path:
    path = _saved(tmp_path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    change(doc)
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def _set_param(name: str, value: object) -> Callable[[dict[str, object]], None]:
    def change(doc: dict[str, object]) -> None:
        doc["parameters"][name] = value  # type: ignore[index]

    return change


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d.clear(), r"keys \[\]; expected"),
    (lambda d: d.pop("parameters"), r"missing \['parameters'\]"),
    (lambda d: d.update(comment="x"), r"unexpected \['comment'\]"),
    (lambda d: d.update(format="pickle"), r"format is 'pickle'; expected 'scalar-autograd weights'"),
    (lambda d: d.update(version=2), r"version 2 is not supported"),
    (lambda d: d.update(version=True), r"version True is not supported"),
    (lambda d: d["architecture"].update(nouts=[3, 1]),
     r'the file is for the architecture .*"nouts": \[3, 1\].*not this model\'s'),
    (lambda d: d.update(parameters=[0.1] * 9), r"expected a mapping from parameter name to number; got list"),
    (lambda d: d["parameters"].pop("b2"), r"missing 'b2'"),
    (lambda d: d["parameters"].update({"w3[0]": 0.0}), r"unexpected 'w3\[0\]'"),
    (_set_param("b2", "0.1"), r"parameter 'b2' is '0.1' \(str\); expected a number"),
    (_set_param("b2", True), r"parameter 'b2' is True \(bool\)"),
    (_set_param("b2", None), r"parameter 'b2' is None"),
    (_set_param("b1[0]", [0.1]), r"parameter 'b1\[0\]' is \[0.1\] \(list\)"),
    (_set_param("b2", {"value": 0.1}), r"parameter 'b2' is \{'value': 0.1\} \(dict\)"),
], ids=["empty-object", "no-parameters", "extra-key", "format", "version", "bool-version", "architecture",
        "parameters-list", "missing-param", "unexpected-param", "string", "bool", "null", "list", "object"])
def test_a_wrong_document_is_refused_and_the_model_is_unchanged(
    tmp_path: Path, change: Callable[[dict[str, object]], None], message: str
) -> None:
    _assert_refused(_edit(tmp_path, change), message)


def test_a_json_array_is_not_a_weight_file(tmp_path: Path) -> None:
    (tmp_path / "w.json").write_text("[0.1, 0.2]", encoding="utf-8")
    _assert_refused(tmp_path / "w.json", "expected a JSON object at the top; got list")


def _write_b2_as(tmp_path: Path, token: str) -> Path:
    """A saved file whose last parameter, b2, is written as ``token``."""
    path = _saved(tmp_path)
    text = path.read_text(encoding="utf-8")
    start = text.index('"b2": ') + len('"b2": ')
    end = text.index("\n", start)
    path.write_text(text[:start] + token + text[end:], encoding="utf-8")
    return path


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_in_a_file_are_refused(tmp_path: Path, token: str) -> None:
    _assert_refused(_write_b2_as(tmp_path, token), rf"the file holds {token}; .* finite numbers only")


def test_a_nan_filled_file_is_refused(tmp_path: Path) -> None:
    path = _edit(tmp_path, lambda d: None)
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["parameters"] = dict.fromkeys(doc["parameters"], math.nan)
    path.write_text(json.dumps(doc), encoding="utf-8")  # Python's json writes NaN
    _assert_refused(path, "the file holds NaN")


def test_a_number_too_large_for_a_float_is_refused(tmp_path: Path) -> None:
    _assert_refused(_write_b2_as(tmp_path, "1e999"), r"parameter 'b2' is inf; weights must be finite")


def test_an_integer_of_thousands_of_digits_is_refused(tmp_path: Path) -> None:
    _assert_refused(_write_b2_as(tmp_path, "9" * 5000), "a number in the file cannot be read")


def test_an_integer_too_large_for_a_float_is_refused(tmp_path: Path) -> None:
    _assert_refused(_write_b2_as(tmp_path, "9" * 400), r"parameter 'b2' is an integer too large for a float")


def test_a_duplicated_key_is_refused(tmp_path: Path) -> None:
    path = _saved(tmp_path)
    text = path.read_text(encoding="utf-8").replace('"b2": ', '"b2": 0.5,\n    "b2": ', 1)
    path.write_text(text, encoding="utf-8")
    _assert_refused(path, r"the key 'b2' appears twice in one object")


def test_integers_in_a_hand_written_file_are_accepted(tmp_path: Path) -> None:
    def all_ones(doc: dict[str, object]) -> None:
        parameters = doc["parameters"]
        assert isinstance(parameters, dict)
        doc.update(parameters=dict.fromkeys(parameters, 1))

    path = _edit(tmp_path, all_ones)
    model = seed_model()
    model.load(path)
    assert list(model.state_dict().values()) == [1.0] * 9


def test_load_state_dict_and_load_agree_on_what_is_valid(tmp_path: Path) -> None:
    model = seed_model()
    state = dict(model.state_dict(), b2=True)
    with pytest.raises(ValueError, match=r"load_state_dict: parameter 'b2' is True"):
        model.load_state_dict(state)
    _assert_refused(_edit(tmp_path, _set_param("b2", True)), r"parameter 'b2' is True")


# ---- the nesting check: by the C parser, never a walk over the text --------------------------------


@pytest.mark.parametrize(("text", "deeper"), [
    ('{"a": [1, [2]]}', False),
    ('{"w[0][0]": 0.1, "}}{{[[": "]]"}', False),
    ('["\\"[[[[", []]', False),
    ("[" * 8 + "]" * 8, False),
    ("[" * 9 + "]" * 9, True),
    ('{"a": [{"b": [[[[[[{}]]]]]]}]}', True),
    ('[1, 2, {"a": [[[[[[[[]]]]]]]]}]', True),
    ("0.5", False),
], ids=["plain", "brackets-in-strings", "escaped-quote", "eight-deep", "nine-deep", "objects-too",
        "deep-late", "no-container"])
def test_the_nesting_check_counts_lists_and_objects_not_brackets_in_strings(text: str, deeper: bool) -> None:
    assert weights._deeper_than(json.loads(text), weights.MAX_NESTING) is deeper


@pytest.mark.parametrize("text", ["[" * 9 + "]" * 9, "[" * 100_000, '{"format": [[[[[[[[[]]]]]]]]]}'])
def test_nesting_over_eight_deep_is_refused_however_deep(tmp_path: Path, text: str) -> None:
    (tmp_path / "w.json").write_text(text, encoding="utf-8")
    model = nn.MLP(2, [400, 1])
    before = model.state_dict()
    with pytest.raises(ValueError, match="the JSON is nested too deeply to be a weight file"):
        model.load(tmp_path / "w.json")
    assert model.state_dict() == before


def _python_lines(call: Callable[[], object]) -> int:
    """How many lines of Python run during ``call()``: work, counted the same on any machine."""
    lines = 0

    def tracer(frame: FrameType, event: str, arg: Any) -> TraceFunction:
        nonlocal lines
        if event == "line":
            lines += 1
        return tracer

    sys.settrace(tracer)
    try:
        call()
    except ValueError:
        pass
    finally:
        sys.settrace(None)
    return lines


@pytest.mark.parametrize("hostile", [b"[", b"[]", b'"\\"', b" "])
def test_a_hostile_file_of_the_largest_size_is_refused_without_walking_it_in_python(
    tmp_path: Path, hostile: bytes
) -> None:
    # The check this replaced ran ~5 lines of Python per character: 10 s for MLP(1000, [1000]).
    model = nn.MLP(2, [400, 1])
    limit = weights.max_file_bytes(model)  # 413 KB
    path = tmp_path / "w.json"
    path.write_bytes(hostile * (limit // len(hostile)))
    before = model.state_dict()
    # about 4,000 lines (mostly listing the model's 1,603 parameters); the old check, over 2 million
    assert _python_lines(lambda: model.load(path)) < limit // 10
    assert model.state_dict() == before


def test_escaped_quotes_filling_the_largest_file_are_refused_as_bad_json(tmp_path: Path) -> None:
    model = nn.MLP(2, [120, 1])
    limit = weights.max_file_bytes(model)
    path = tmp_path / "w.json"
    text = '"' + '\\"' * ((limit - 1) // 2)
    path.write_text(text + "\\" * (limit - len(text)), encoding="utf-8")
    assert len(path.read_bytes()) == limit
    before = model.state_dict()
    with pytest.raises(ValueError, match="not valid JSON: Unterminated string starting at line 1 column 1"):
        model.load(path)
    assert model.state_dict() == before


def test_brackets_inside_a_string_are_not_nesting(tmp_path: Path) -> None:
    path = _edit(tmp_path, lambda d: d.update(format="[" * 20 + "{" * 20))
    _assert_refused(path, r"format is '\[\[\[")


# ---- save: any real number, written as a float --------------------------------------------------


class _Weight(float):
    """A float subclass whose repr is not JSON."""

    def __repr__(self) -> str:
        return f"_Weight({float(self)!r})"


@pytest.mark.parametrize("value", [Fraction(1, 3), _Weight(0.25), 3, -(2**60) - 1],
                         ids=["fraction", "float-subclass", "int", "big-int"])
def test_save_writes_any_real_number_as_a_float_that_loads_back_exactly(
    tmp_path: Path, value: object
) -> None:
    model = seed_model()
    model.layers[1].neurons[0].b.data = value  # type: ignore[assignment]
    model.save(tmp_path / "w.json")
    assert f'"b2": {float(value)!r}\n' in (tmp_path / "w.json").read_text(encoding="utf-8")  # type: ignore[arg-type]
    loaded = _trained()
    loaded.load(tmp_path / "w.json")
    assert loaded.state_dict()["b2"].hex() == float(value).hex()  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["float64", "float32", "float16", "int64"])
def test_save_writes_numpy_numbers_as_floats_that_load_back_exactly(tmp_path: Path, name: str) -> None:
    np = pytest.importorskip("numpy")
    value = getattr(np, name)(0.1 if name.startswith("float") else 7)
    model = seed_model()
    model.layers[0].neurons[1].w[0].data = value
    model.save(tmp_path / "w.json")
    loaded = _trained()
    loaded.load(tmp_path / "w.json")
    assert loaded.state_dict()["w1[1][0]"].hex() == float(value).hex()


@pytest.mark.parametrize(("value", "message"), [
    (True, r"is True \(bool\); a weight file holds real numbers only"),
    ("0.5", r"is '0.5' \(str\); a weight file holds real numbers only"),
    (None, r"is None \(NoneType\); a weight file holds real numbers only"),
    (Value(0.5), r"is Value\(.*\) \(Value\); a weight file holds real numbers only"),
    (10**400, r"is a number too large for a float"),
    (Fraction(10**400, 3), r"is a number too large for a float"),
], ids=["bool", "str", "none", "value", "huge-int", "huge-fraction"])
def test_a_weight_that_is_not_a_real_number_is_refused_by_save_and_no_file_is_written(
    tmp_path: Path, value: object, message: str
) -> None:
    """``data`` is a plain attribute (as micrograd's and PyTorch's ``.data``): what is assigned is
    checked where it is used.  A weight file is never written with it."""
    model = seed_model()
    model.layers[0].neurons[1].w[0].data = value  # type: ignore[assignment]
    with pytest.raises(ValueError, match=rf"^save: parameter 'w1\[1\]\[0\]' {message}"):
        model.save(tmp_path / "w.json")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("value", ["0.5", None, [1.0]], ids=["str", "none", "list"])
def test_a_weight_that_is_not_a_number_is_named_by_the_next_forward_pass(value: object) -> None:
    model = seed_model()
    model.layers[0].neurons[1].w[0].data = value  # type: ignore[assignment]
    with pytest.raises(TypeError, match=r"^dot: .*Value 'w1\[1\]\[0\]' \(data="):
        model([1.0, 0.0])


# ---- the architecture: exact JSON types ---------------------------------------------------------


def _set_architecture(key: str, value: object) -> Callable[[dict[str, object]], None]:
    def change(doc: dict[str, object]) -> None:
        doc["architecture"][key] = value  # type: ignore[index]

    return change


@pytest.mark.parametrize(("key", "value", "message"), [
    ("nin", 2.0, r'architecture "nin" is 2\.0 \(a number with a decimal point or an exponent\);'
                 r" expected an integer, like this model's 2$"),
    ("nouts", [2.0, 1.0], r'architecture "nouts"\[0\] is 2\.0 \(a number .*\); expected an integer'),
    ("nouts", [2, True], r'architecture "nouts"\[1\] is true \(a boolean\); expected an integer'),
    ("activation", ["sigmoid"], r'architecture "activation" is \["sigmoid"\] \(a list\); expected a string'),
], ids=["float-nin", "float-nouts", "bool-in-nouts", "list-activation"])
def test_an_architecture_value_of_another_json_type_is_refused_naming_the_key(
    tmp_path: Path, key: str, value: object, message: str
) -> None:
    _assert_refused(_edit(tmp_path, _set_architecture(key, value)), message)


def test_true_is_not_an_input_count_of_one(tmp_path: Path) -> None:
    model = nn.MLP(1, [1])
    model.save(tmp_path / "w.json")
    doc = json.loads((tmp_path / "w.json").read_text(encoding="utf-8"))
    doc["architecture"]["nin"] = True
    (tmp_path / "w.json").write_text(json.dumps(doc), encoding="utf-8")
    before = model.state_dict()
    with pytest.raises(ValueError, match=r'architecture "nin" is true \(a boolean\); expected an integer'):
        model.load(tmp_path / "w.json")
    assert model.state_dict() == before


def test_an_architecture_that_is_not_an_object_is_refused(tmp_path: Path) -> None:
    _assert_refused(_edit(tmp_path, lambda d: d.update(architecture=[2, [2, 1]])),
                    r"architecture is \[2, \[2, 1\]\] \(a list\); expected an object")


# ---- what is at the path: only a regular file is read or written ----------------------------------


def test_save_onto_a_named_pipe_is_refused_and_the_pipe_kept(tmp_path: Path) -> None:
    pipe = tmp_path / "w.json"
    os.mkfifo(pipe)
    with pytest.raises(OSError, match=f"cannot write '{pipe}': it is a named pipe, not a regular file"):
        _trained().save(pipe)
    assert stat.S_ISFIFO(pipe.lstat().st_mode)
    assert [p.name for p in tmp_path.iterdir()] == ["w.json"]


def test_save_through_a_symlink_to_a_device_is_refused(tmp_path: Path) -> None:
    (tmp_path / "w.json").symlink_to(os.devnull)
    with pytest.raises(OSError, match="it is a character device, not a regular file"):
        _trained().save(tmp_path / "w.json")
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)


def test_save_through_a_symlink_replaces_its_target(tmp_path: Path) -> None:
    old = _saved(tmp_path)
    (tmp_path / "latest.json").symlink_to(old.name)
    model = seed_model()
    model.save(tmp_path / "latest.json")
    assert (tmp_path / "latest.json").is_symlink()
    loaded = _trained()
    loaded.load(old)
    assert loaded.state_dict() == model.state_dict()


def test_loading_a_named_pipe_is_refused_at_once(tmp_path: Path) -> None:
    pipe = tmp_path / "w.json"
    os.mkfifo(pipe)
    model = seed_model()
    before = model.state_dict()
    error = returns_at_once(lambda: model.load(pipe), pipe)
    assert isinstance(error, OSError)
    assert str(error) == f"cannot read '{pipe}': it is a named pipe, not a regular file"
    assert model.state_dict() == before


def test_loading_a_device_or_a_directory_is_refused(tmp_path: Path) -> None:
    model = seed_model()
    with pytest.raises(OSError, match="cannot read '/dev/zero': it is a character device"):
        model.load("/dev/zero")
    with pytest.raises(IsADirectoryError, match="it is a directory, not a regular file"):
        model.load(tmp_path)


def test_load_state_dict_given_a_path_says_to_use_load(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"got PosixPath; to read a weight file, use load\(path\)"):
        seed_model().load_state_dict(tmp_path / "w.json")  # type: ignore[arg-type]
