"""`autograd.files`: a failed write names the user's path and leaves no file behind; only a regular
file or a new path is written (symlinks written through); only a regular file is read."""

from __future__ import annotations

import errno
import os
import re
import socket
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from blocking import returns_at_once

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


# ---- only a regular file or a new path is written -------------------------------------------------


def _fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


@pytest.fixture(params=["named pipe", "socket", "character device", "directory"])
def special(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A path in tmp_path holding something that is not a regular file, and what it is, in words."""
    kind: str = request.param
    path = tmp_path / "x.dot"
    if kind == "named pipe":
        yield _fifo(path), kind
    elif kind == "socket":
        with socket.socket(socket.AF_UNIX) as s:
            s.bind(str(path))
            yield path, kind
    elif kind == "character device":
        path.symlink_to(os.devnull)  # a link to one: the device itself is what a write would replace
        yield path, kind
    else:
        path.mkdir()
        yield path, kind


def _what(path: Path) -> int:
    return stat.S_IFMT(path.stat().st_mode)


def test_something_other_than_a_regular_file_is_refused_and_left_as_it_was(
    special: tuple[Path, str]
) -> None:
    path, kind = special
    before = _what(path)
    with pytest.raises(files.NotARegularFileError) as info:
        write_atomically(path, b"{}")
    assert str(info.value) == f"cannot write '{path}': it is a {kind}, not a regular file"
    assert info.value.filename == str(path)
    assert _what(path) == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["x.dot"]  # no temporary file


def test_check_writable_refuses_the_same_without_writing(special: tuple[Path, str]) -> None:
    path, kind = special
    with pytest.raises(OSError, match=f"it is a {kind}, not a regular file"):
        files.check_writable(path)


def test_a_directory_in_the_way_is_also_an_is_a_directory_error(tmp_path: Path) -> None:
    with pytest.raises(IsADirectoryError) as info:
        files.check_writable(tmp_path)
    assert info.value.errno == errno.EISDIR
    assert isinstance(info.value, files.NotARegularFileError)


def test_check_writable_gives_the_file_a_write_would_replace(tmp_path: Path) -> None:
    (tmp_path / "real.json").write_bytes(b"old")
    (tmp_path / "link.json").symlink_to("real.json")
    assert files.check_writable(tmp_path / "link.json") == str(tmp_path / "real.json")
    assert files.check_writable(tmp_path / "new.json") == str(tmp_path / "new.json")
    assert (tmp_path / "real.json").read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.json", "real.json"]


def test_check_writable_names_a_missing_directory_like_the_write_would(tmp_path: Path) -> None:
    target = tmp_path / "missing" / "a.json"
    with pytest.raises(FileNotFoundError) as info:
        files.check_writable(target)
    assert info.value.filename == str(target)


def test_a_symlink_loop_is_one_error_naming_the_path(tmp_path: Path) -> None:
    (tmp_path / "a.json").symlink_to("b.json")
    (tmp_path / "b.json").symlink_to("a.json")
    with pytest.raises(OSError, match="Too many levels of symbolic links") as info:
        write_atomically(tmp_path / "a.json", b"{}")
    assert (info.value.errno, info.value.filename) == (errno.ELOOP, str(tmp_path / "a.json"))


# ---- symlinks are written through -----------------------------------------------------------------


def test_a_symlink_is_written_through_and_stays_a_link(tmp_path: Path, umask_027: None) -> None:
    target = tmp_path / "runs" / "weights.json"
    target.parent.mkdir()
    target.write_bytes(b"old")
    target.chmod(0o604)
    link = tmp_path / "latest.json"
    link.symlink_to(target)
    write_atomically(link, b"new")
    assert link.is_symlink()
    assert target.read_bytes() == b"new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o604  # the target's mode, kept
    assert sorted(p.name for p in target.parent.iterdir()) == ["weights.json"]  # no temporary file


def test_a_dangling_symlink_creates_its_target_with_the_umasks_mode(tmp_path: Path, umask_027: None) -> None:
    link = tmp_path / "latest.json"
    link.symlink_to("weights.json")
    write_atomically(link, b"new")
    assert link.is_symlink()
    assert (tmp_path / "weights.json").read_bytes() == b"new"
    assert stat.S_IMODE((tmp_path / "weights.json").stat().st_mode) == 0o640


def test_a_symlink_to_a_device_is_refused_and_the_link_kept(tmp_path: Path) -> None:
    link = tmp_path / "out.svg"
    link.symlink_to(os.devnull)
    with pytest.raises(files.NotARegularFileError, match="character device"):
        write_atomically(link, b"<svg/>")
    assert os.readlink(link) == os.devnull
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)


# ---- the old file survives a refused or failed write ----------------------------------------------


@pytest.mark.parametrize("step", ["write", "fsync", "replace"])
@pytest.mark.parametrize("through_a_link", [False, True])
def test_a_failed_write_leaves_the_old_file_byte_for_byte(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, step: str, through_a_link: bool
) -> None:
    old = bytes(range(256)) * 4
    (tmp_path / "a.json").write_bytes(old)
    (tmp_path / "a.json").chmod(0o600)
    path = tmp_path / "a.json"
    if through_a_link:
        path = tmp_path / "link.json"
        path.symlink_to("a.json")

    def fail(*args: object) -> object:
        raise OSError(errno.ENOSPC, f"No space left on device ({step})")

    monkeypatch.setattr(os, step, fail)
    with pytest.raises(OSError, match="No space left") as info:
        write_atomically(path, b"new contents")
    monkeypatch.undo()
    assert info.value.filename == str(path)
    assert (tmp_path / "a.json").read_bytes() == old
    assert stat.S_IMODE((tmp_path / "a.json").stat().st_mode) == 0o600
    expected = ["a.json", "link.json"] if through_a_link else ["a.json"]
    assert sorted(p.name for p in tmp_path.iterdir()) == expected


def test_a_pipe_put_in_place_while_writing_is_not_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "a.json"
    target.write_bytes(b"old")
    real_fsync = os.fsync
    swapped: list[bool] = []

    def swap_then_fsync(fd: int) -> None:  # after the check up front, before the rename
        if not swapped:
            target.unlink()
            os.mkfifo(target)
            swapped.append(True)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", swap_then_fsync)
    with pytest.raises(files.NotARegularFileError, match="named pipe"):
        write_atomically(target, b"new")
    monkeypatch.undo()
    assert stat.S_ISFIFO(target.lstat().st_mode)
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]


def test_a_refused_write_leaves_no_trace(tmp_path: Path) -> None:
    pipe = _fifo(tmp_path / "a.json")
    with pytest.raises(files.NotARegularFileError):
        write_atomically(pipe, b"new")
    assert stat.S_ISFIFO(pipe.lstat().st_mode)
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]


# ---- reading: a regular file only, refused at once otherwise --------------------------------------


def test_reading_a_named_pipe_is_refused_at_once(tmp_path: Path) -> None:
    pipe = _fifo(tmp_path / "w.json")
    error = returns_at_once(lambda: files.read_regular_file(pipe, 100), pipe)
    assert isinstance(error, files.NotARegularFileError)
    assert str(error) == f"cannot read '{pipe}': it is a named pipe, not a regular file"


def test_reading_a_device_or_a_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(files.NotARegularFileError, match="cannot read '/dev/null': it is a character device"):
        files.read_regular_file(os.devnull, 100)
    with pytest.raises(IsADirectoryError, match="it is a directory, not a regular file"):
        files.read_regular_file(tmp_path, 100)


def test_reading_a_regular_file_through_a_symlink_reads_at_most_the_limit(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_bytes(b"0123456789")
    (tmp_path / "link.json").symlink_to("a.json")
    assert files.read_regular_file(tmp_path / "link.json", 4) == b"0123"
    assert files.read_regular_file(tmp_path / "a.json", 100) == b"0123456789"


def test_a_symlink_put_in_place_of_the_target_while_writing_is_not_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "a.json"
    target.write_bytes(b"old")
    (tmp_path / "elsewhere.json").write_bytes(b"elsewhere")
    real_fsync = os.fsync

    def swap_then_fsync(fd: int) -> None:
        if not target.is_symlink():
            target.unlink()
            target.symlink_to("elsewhere.json")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", swap_then_fsync)
    with pytest.raises(files.NotARegularFileError, match="it is a symbolic link, not a regular file"):
        write_atomically(target, b"new")
    monkeypatch.undo()
    assert target.is_symlink()
    assert (tmp_path / "elsewhere.json").read_bytes() == b"elsewhere"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json", "elsewhere.json"]


# ---- a name that can only be a directory's is never a file's ----------------------------------


@pytest.mark.parametrize(("suffix", "ending"), [("/", "/"), ("/.", "/."), ("//", "//"), ("/./", "/./")])
def test_a_trailing_slash_on_an_existing_file_is_refused_and_the_file_kept(
    tmp_path: Path, suffix: str, ending: str
) -> None:
    kept = tmp_path / "keep.dot"
    kept.write_bytes(b"mine")
    path = str(kept) + suffix
    for attempt in (lambda: files.check_writable(path), lambda: write_atomically(path, b"new")):
        with pytest.raises(NotADirectoryError) as info:  # as open(path, "w") refuses it
            attempt()
        assert isinstance(info.value, files.NotARegularFileError)
        assert info.value.errno == errno.ENOTDIR
        assert info.value.filename == path
        assert str(info.value) == (
            f"cannot write '{path}': the name ends in '{ending}', so it names a directory, not a file"
            f" (to write the file '{kept}', leave out the '{ending}')"
        )
    assert kept.read_bytes() == b"mine"
    assert [p.name for p in tmp_path.iterdir()] == ["keep.dot"]


def test_a_trailing_slash_on_a_new_name_is_refused_and_nothing_created(tmp_path: Path) -> None:
    with pytest.raises(NotADirectoryError, match="leave out the '/'"):
        write_atomically(f"{tmp_path}/new.json/", b"{}")
    assert list(tmp_path.iterdir()) == []


def test_a_trailing_slash_on_a_directory_is_refused_as_a_directory(tmp_path: Path) -> None:
    with pytest.raises(IsADirectoryError, match="it is a directory, not a regular file"):
        write_atomically(f"{tmp_path}/", b"{}")


def test_a_file_as_a_folder_on_the_way_is_not_a_directory_as_open_says(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_bytes(b"mine")
    path = f"{tmp_path}/notes.txt/../x.dot"  # realpath would make it x.dot beside notes.txt
    with pytest.raises(NotADirectoryError) as info:
        write_atomically(path, b"new")
    assert info.value.filename == path
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_saving_weights_or_a_picture_to_a_file_with_a_trailing_slash_keeps_the_file(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_bytes(b"mine")
    with pytest.raises(NotADirectoryError, match=r"leave out the '/\.'"):
        nn.MLP(2, [1]).save(f"{notes}/.")
    kept = tmp_path / "keep.dot"
    kept.write_bytes(b"mine too")
    with pytest.raises(NotADirectoryError, match="leave out the '/'"):
        draw(Value(1.0, label="x")).save(f"{kept}/")  # Path() would have dropped the '/'
    assert (notes.read_bytes(), kept.read_bytes()) == (b"mine", b"mine too")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.dot", "notes.txt"]


# ---- temporaries left by a killed writer are removed by the next write of that target -----------


def test_a_temporary_left_by_a_save_killed_with_sigkill_is_removed_by_the_next_save(tmp_path: Path) -> None:
    target = tmp_path / "w.json"
    child = (
        "import os, sys\n"
        "from autograd.files import write_atomically\n"
        "def stop(fd):\n"  # the data is written, the rename not done: where kill -9 leaves a temporary
        "    print('writing', flush=True)\n"
        "    sys.stdin.read()\n"
        f"os.fsync = stop\nwrite_atomically({str(target)!r}, b'x' * 100_000)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    process = subprocess.Popen([sys.executable, "-c", child], env=env, stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        assert process.stdout.readline() == "writing\n"
        process.kill()
    finally:
        process.wait()
    left = [p.name for p in tmp_path.iterdir()]
    assert len(left) == 1
    assert re.fullmatch(r"\.w\.json\.[a-z0-9_]{8}\.tmp", left[0])
    nn.MLP(2, [1]).save(target)
    assert [p.name for p in tmp_path.iterdir()] == ["w.json"]


def test_only_this_targets_unheld_temporaries_are_removed(tmp_path: Path) -> None:
    stale = tmp_path / ".a.json.k3j_x9ab.tmp"
    stale.write_bytes(b"left by kill -9")
    others = [".a.json.k3j_x9a.tmp", ".b.json.k3j_x9ab.tmp", ".a.json.k3j_x9ab.tmp.bak",
              "a.json.k3j_x9ab.tmp", ".xa.json.k3j_x9ab.tmp", ".a.json.K3J_X9AB.tmp"]
    for name in others:
        (tmp_path / name).write_bytes(b"not ours")
    (tmp_path / ".a.json.folder01.tmp").mkdir()
    (tmp_path / "kept").write_bytes(b"linked")
    (tmp_path / ".a.json.linked01.tmp").symlink_to(tmp_path / "kept")
    write_atomically(tmp_path / "a.json", b"{}")
    assert not stale.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [*others, ".a.json.folder01.tmp", ".a.json.linked01.tmp", "kept", "a.json"]
    )
    assert (tmp_path / "kept").read_bytes() == b"linked"


def test_a_temporary_a_living_writer_holds_is_not_removed(tmp_path: Path) -> None:
    import fcntl

    busy = tmp_path / ".a.json.busy0001.tmp"
    busy.write_bytes(b"being written")
    with open(busy, "rb") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # as write_atomically holds its own temporary file
        write_atomically(tmp_path / "a.json", b"{}")
        assert busy.read_bytes() == b"being written"
    write_atomically(tmp_path / "a.json", b"{}")  # its writer gone (the lock with it): stale now
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]
