"""`autograd.files.write_atomically`: a failed write names the user's path and leaves no file behind."""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

import pytest

import nn
from autograd import Value, draw
from autograd.files import write_atomically


def test_a_missing_directory_is_reported_with_the_users_path(tmp_path: Path) -> None:
    target = tmp_path / "missing" / "a.json"
    with pytest.raises(FileNotFoundError) as info:
        write_atomically(target, b"{}")
    assert info.value.errno == errno.ENOENT
    assert info.value.filename == str(target)
    assert str(info.value) == f"[Errno 2] No such file or directory: '{target}'"


def test_a_directory_in_the_way_is_reported_with_the_users_path(tmp_path: Path) -> None:
    (tmp_path / "taken").mkdir()
    with pytest.raises(IsADirectoryError) as info:
        write_atomically(tmp_path / "taken", b"{}")
    assert info.value.filename == str(tmp_path / "taken")
    assert info.value.filename2 is None
    assert [p.name for p in tmp_path.iterdir()] == ["taken"]


def test_the_original_error_is_kept_as_the_cause(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError) as info:
        write_atomically(tmp_path / "missing" / "a.json", b"{}")
    cause = info.value.__cause__
    assert isinstance(cause, FileNotFoundError)
    assert cause.errno == errno.ENOENT


@pytest.mark.parametrize("step", ["fchmod", "write", "fsync", "close", "replace"])
def test_a_failure_at_any_step_names_the_path_and_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    real = getattr(os, step)

    def fail(*args: object) -> object:
        if step == "close":
            real(*args)  # the descriptor is really closed, then the close reports an error
        raise OSError(errno.EIO, f"I/O error in {step}")

    monkeypatch.setattr(os, step, fail)
    with pytest.raises(OSError, match=f"I/O error in {step}") as info:
        write_atomically(tmp_path / "a.json", b"{}")
    monkeypatch.undo()
    assert (info.value.errno, info.value.filename) == (errno.EIO, str(tmp_path / "a.json"))
    assert list(tmp_path.iterdir()) == []


def test_an_interrupted_write_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupt(*args: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "write", interrupt)
    with pytest.raises(KeyboardInterrupt):
        write_atomically(tmp_path / "a.json", b"{}")
    monkeypatch.undo()
    assert list(tmp_path.iterdir()) == []


def test_a_temporary_file_that_cannot_be_removed_does_not_hide_the_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(*args: object) -> None:
        raise OSError(errno.EIO, "I/O error in replace")

    def refuse(*args: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied", str(args[0]))

    monkeypatch.setattr(os, "replace", fail)
    monkeypatch.setattr(os, "unlink", refuse)
    with pytest.raises(OSError, match="I/O error in replace"):
        write_atomically(tmp_path / "a.json", b"{}")


def test_an_error_without_an_errno_still_names_the_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(*args: object, **kwargs: object) -> None:
        raise OSError("the disk went away")

    monkeypatch.setattr(tempfile, "mkstemp", fail)
    with pytest.raises(OSError, match=r"cannot write '.*a\.json': the disk went away"):
        write_atomically(tmp_path / "a.json", b"{}")


def test_saving_weights_into_a_missing_directory_names_the_weight_file(tmp_path: Path) -> None:
    target = tmp_path / "missing" / "x.json"
    with pytest.raises(FileNotFoundError) as info:
        nn.MLP(2, [2, 1]).save(target)
    assert info.value.filename == str(target)


def test_saving_a_picture_into_a_missing_directory_names_the_picture(tmp_path: Path) -> None:
    target = tmp_path / "missing" / "a.dot"
    with pytest.raises(FileNotFoundError) as info:
        draw(Value(1.0, label="x") * 2).save(target)
    assert info.value.filename == str(target)
