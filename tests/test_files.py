"""`autograd.files.write_atomically`: a failed write names the user's path and leaves no file behind."""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

import nn
from autograd import Value, draw, files
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


@pytest.fixture
def umask_027() -> Iterator[None]:
    """Run with the umask 027 (a new file: 0640), then put the old one back."""
    old = os.umask(0o027)
    try:
        yield
    finally:
        os.umask(old)


def _has_proc_umask() -> bool:
    try:
        with open("/proc/self/status", "rb") as f:
            return any(line.startswith(b"Umask:") for line in f)
    except OSError:
        return False


def test_a_new_file_gets_0666_less_the_umask(tmp_path: Path, umask_027: None) -> None:
    write_atomically(tmp_path / "a.json", b"{}")
    assert stat.S_IMODE((tmp_path / "a.json").stat().st_mode) == 0o640


def test_an_existing_file_keeps_its_mode(tmp_path: Path, umask_027: None) -> None:
    (tmp_path / "a.json").write_bytes(b"old")
    (tmp_path / "a.json").chmod(0o604)
    write_atomically(tmp_path / "a.json", b"{}")
    assert stat.S_IMODE((tmp_path / "a.json").stat().st_mode) == 0o604


@pytest.mark.skipif(not _has_proc_umask(), reason="/proc/self/status shows no Umask: line here")
def test_the_umask_is_read_without_being_changed_where_proc_shows_it(
    tmp_path: Path, umask_027: None, monkeypatch: pytest.MonkeyPatch
) -> None:  # umask_027 first: set up before os.umask is replaced, and put back after it is restored
    def changed(mask: int) -> int:
        raise AssertionError("os.umask was called: another thread's new file would get the wrong mode")

    monkeypatch.setattr(files, "_proc_has_umask", None)
    monkeypatch.setattr(os, "umask", changed)
    write_atomically(tmp_path / "a.json", b"{}")
    write_atomically(tmp_path / "b.json", b"{}")
    monkeypatch.undo()
    assert [stat.S_IMODE((tmp_path / n).stat().st_mode) for n in ("a.json", "b.json")] == [0o640, 0o640]


def test_without_proc_the_umask_is_set_back_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, umask_027: None
) -> None:
    monkeypatch.setattr(files, "_PROC_STATUS", str(tmp_path / "no-such-status"))
    monkeypatch.setattr(files, "_proc_has_umask", None)
    write_atomically(tmp_path / "a.json", b"{}")
    assert stat.S_IMODE((tmp_path / "a.json").stat().st_mode) == 0o640
    assert os.umask(0o027) == 0o027


def test_a_missing_umask_line_is_looked_for_only_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    status = tmp_path / "status"
    status.write_bytes(b"Name:\tpython\nPid:\t1\n")
    reads = []
    real = files._umask_from_proc

    def counted() -> int | None:
        reads.append(1)
        return real()

    monkeypatch.setattr(files, "_PROC_STATUS", str(status))
    monkeypatch.setattr(files, "_proc_has_umask", None)
    monkeypatch.setattr(files, "_umask_from_proc", counted)
    write_atomically(tmp_path / "a.json", b"{}")
    write_atomically(tmp_path / "b.json", b"{}")
    assert len(reads) == 1


def test_the_umask_line_is_read_as_octal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    status = tmp_path / "status"
    status.write_bytes(b"Name:\tpython\nUmask:\t0077\nState:\tR (running)\n")
    monkeypatch.setattr(files, "_PROC_STATUS", str(status))
    monkeypatch.setattr(files, "_proc_has_umask", None)
    write_atomically(tmp_path / "a.json", b"{}")
    assert stat.S_IMODE((tmp_path / "a.json").stat().st_mode) == 0o600
