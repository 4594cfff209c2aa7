"""Every file the project writes or reads back goes through here: only a regular file, or a new one.

Writing (`write_atomically`, used by `Graph.save`, the step-through's frames and page, and `nn`'s
weight files): whatever is at the path is checked first (`check_writable`).  A directory, a device,
a named pipe or a socket there is refused with a `NotARegularFileError` naming the path, and the
thing is left as it was.  Otherwise the data goes to a temporary file beside the target, is
fsync'ed, and is renamed over it: a crash or a failed write leaves the old file (or none), never a
part, and no temporary file.  A process killed outright (``kill -9``, a power cut) mid-write can
leave its temporary file, ``.NAME.XXXXXXXX.tmp`` beside ``NAME``; the next write of ``NAME``
removes it (only that target's temporaries, and only those no living writer holds: each writer
holds an ``flock`` on its own until the rename; on systems without ``flock`` none are removed).

- A name that can only be a directory's (ending in ``/``, ``/.`` or ``/..``) is refused as
  ``open()`` refuses it, with a `NotARegularFileError` that is also a `NotADirectoryError`, even
  when a regular file has the name without the ending (``keep.dot/``: ``keep.dot`` is kept); the
  folder part must be reachable as ``open()`` reaches it (``notes.txt/../x.dot`` is refused).
- A symlink is written through: the link is resolved (every link on the way, as ``open()`` would
  follow them) and its target is the file replaced, atomically; the link stays a link.  The target
  must itself be a regular file or a new path in an existing directory, like any other path.
- A new file gets the mode any new file gets: 0666 less the umask.  An existing regular file keeps
  its permission bits (``rwx`` for user, group and others; setuid, setgid and sticky bits are not
  carried over).  The new file is a new inode, owned by whoever writes it.
- The check is made once up front (so a command line can refuse a path before working for
  minutes) and again just before the rename, so that what the rename replaces is still a regular
  file (or nothing).

Reading (`read_regular_file`, used by `nn`'s ``load``): a path that is not a regular file is
refused at once, before it is opened: a named pipe never blocks, a device is never opened.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat

try:
    import fcntl
except ImportError:  # not POSIX: temporaries are neither locked nor cleaned up
    fcntl = None  # type: ignore[assignment]

__all__ = ["NotARegularFileError", "check_writable", "kind_of", "read_regular_file", "write_atomically"]


class NotARegularFileError(OSError):
    """Something other than a regular file is at a path the project would write or read.

    ``str(error)`` is one line: ``cannot write '/dev/full': it is a character device, not a
    regular file``.  ``filename`` is the path as given, ``strerror`` the part after the colon.  A
    directory raises the subclass that is also an `IsADirectoryError` (errno ``EISDIR``).
    """

    def __init__(self, path: str, what: str, action: str = "write") -> None:
        code = errno.EISDIR if what == _DIRECTORY else None
        super().__init__(code, f"it is {what}, not a regular file", path)
        self.action = action

    def __str__(self) -> str:
        return f"cannot {self.action} {self.filename!r}: {self.strerror}"


class _DirectoryInTheWayError(NotARegularFileError, IsADirectoryError):
    """A directory at the path: both a `NotARegularFileError` and an `IsADirectoryError`."""


_DIRECTORY = "a directory"


class _NamesADirectoryError(NotARegularFileError, NotADirectoryError):
    """A path whose name can only be a directory's (``keep.dot/``, ``notes.txt/.``), to be written.

    ``open()`` refuses it (``NotADirectoryError`` for an existing file, ``IsADirectoryError`` for a
    new name); ``os.path.realpath`` would drop the ending and let the write replace the file.
    """

    def __init__(self, path: str) -> None:
        name = path
        while True:  # "keep.dot/./" -> "keep.dot"
            name = name.rstrip(os.sep) or name[:1]
            head, tail = os.path.split(name)
            if tail not in (".", "..") or not head:
                break
            name = head
        ending = path[len(name) :]
        OSError.__init__(
            self,
            errno.ENOTDIR,
            f"the name ends in {ending!r}, so it names a directory, not a file"
            f" (to write the file {name!r}, leave out the {ending!r})",
            path,
        )
        self.action = "write"


def kind_of(mode: int) -> str:
    """What a file of this ``st_mode`` is, in words, for an error message (``a named pipe``)."""
    if stat.S_ISDIR(mode):
        return _DIRECTORY
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISLNK(mode):  # only from the check just before the rename: a link put there meanwhile
        return "a symbolic link"
    if stat.S_ISREG(mode):
        return "a regular file"
    return "a special file"  # a door, an event port, ... (no such thing on Linux)


def _refuse(path: str, mode: int, action: str) -> NotARegularFileError:
    what = kind_of(mode)
    if what == _DIRECTORY:
        return _DirectoryInTheWayError(path, what, action)
    return NotARegularFileError(path, what, action)


def check_writable(path: str | os.PathLike[str]) -> str:
    """Refuse now what `write_atomically` would refuse; return the file a write would replace.

    That is ``path`` itself with every symlink resolved (absolute).  Raises `NotARegularFileError`
    (an `OSError`; for a directory also an `IsADirectoryError`) when a directory, device, named
    pipe or socket is there, and the `OSError` that writing would meet when the path cannot be
    reached (``FileNotFoundError`` for a missing directory, ``NotADirectoryError``, a symlink
    loop...), each naming ``path`` as given.  Nothing is created or changed.
    """
    return _writable(os.fspath(path))[0]


def _writable(path: str) -> tuple[str, int | None]:
    """(the resolved target, the permission bits to give it): see `check_writable`."""
    _check_the_name(path)
    target = os.path.realpath(path)
    try:
        st = os.stat(target)
    except FileNotFoundError:
        try:
            os.stat(os.path.dirname(target))
        except OSError as exc:
            raise _naming(exc, path) from exc
        return target, None
    except OSError as exc:
        raise _naming(exc, path) from exc
    if not stat.S_ISREG(st.st_mode):
        raise _refuse(path, st.st_mode, "write")
    return target, stat.S_IMODE(st.st_mode) & 0o777


def _check_the_name(path: str) -> None:
    """Refuse, as ``open()`` would, what `os.path.realpath` would quietly turn into another file.

    A name ending in ``/``, ``/.`` or ``/..`` is a directory's: an existing directory is refused
    as one (see `_refuse`); anything else, with `_NamesADirectoryError` (realpath would have dropped
    the ending, replacing ``keep.dot`` for ``keep.dot/``).  The folder part must be reachable as
    ``open()`` reaches it (every component a directory: ``notes.txt/../x.dot`` is a
    ``NotADirectoryError``, where realpath would have written ``x.dot``); a missing one raises the
    ``FileNotFoundError`` the write would meet.  Each error names ``path`` as given.
    """
    head, tail = os.path.split(path)
    if tail in ("", ".", ".."):
        try:
            st = os.stat(path)
        except OSError as exc:
            if exc.errno in (errno.ENOENT, errno.ENOTDIR):
                raise _NamesADirectoryError(path) from exc
            raise _naming(exc, path) from exc
        if stat.S_ISDIR(st.st_mode):
            raise _refuse(path, st.st_mode, "write")
        raise _NamesADirectoryError(path)
    if head:
        try:
            os.stat(head)
        except OSError as exc:
            raise _naming(exc, path) from exc


def write_atomically(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` so that a crash leaves either the old file or the new one.

    ``path`` must be a regular file, a new path in an existing directory, or a symlink to one of
    those (written through: the target is replaced, the link kept); anything else is refused
    before anything is written (see `check_writable` and the module doc).  Temporary file in the
    target's directory (so ``os.replace`` is a rename on one file system), write everything,
    fsync, check the target again, then replace; on any failure the temporary file is removed and
    the old file is untouched.  The file keeps the old one's permission bits, or gets the usual
    ones (0666 less the umask).

    An `OSError` names ``path``, never the temporary file (same type and errno, raised from the
    original): ``FileNotFoundError: [Errno 2] No such file or directory: 'missing/a.svg'``.
    """
    path = os.fspath(path)
    target, mode = _writable(path)
    directory = os.path.dirname(target)
    fd, tmp = _locked_temporary(directory, os.path.basename(target), path)
    held = _hold(fd)
    try:
        try:
            _remove_stale_temporaries(directory, os.path.basename(target), tmp)
            os.fchmod(fd, 0o666 & ~_umask() if mode is None else mode)
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        _still_replaceable(path, target)
        os.replace(tmp, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError) and not isinstance(exc, NotARegularFileError):
            raise _naming(exc, path) from exc
        raise
    finally:
        _release(held)
    _fsync_directory(directory)


def _hold(fd: int) -> int | None:
    """A second descriptor of ``fd``'s open file: its ``flock`` lasts until this one is closed too.

    So the temporary file stays locked (in use, not stale) until after the rename, while ``fd``
    itself is closed before it, as always (a failing close is reported before anything is replaced).
    """
    if fcntl is None:
        return None
    try:
        return os.dup(fd)
    except OSError:
        return None


def _release(held: int | None) -> None:
    if held is not None:
        with contextlib.suppress(OSError):
            os.close(held)


#: The characters `tempfile.mkstemp` draws its 8 random ones from (its names: prefix, 8, suffix).
_MKSTEMP_NAME = "[a-z0-9_]{8}"


def _temporary_name(target_name: str) -> re.Pattern[str]:
    """The names `write_atomically` gives its temporary files for ``target_name``, and no other's.

    ``.w.json.k3j_x9ab.tmp`` for ``w.json``: any other target's temporaries differ (the 8
    characters before ``.tmp`` are the random part, so what comes before them is the target).
    """
    return re.compile(rf"\.{re.escape(target_name)}\.{_MKSTEMP_NAME}\.tmp")


def _locked_temporary(directory: str, target_name: str, path: str) -> tuple[int, str]:
    """A new temporary file for ``target_name`` in ``directory``, locked (``flock``) while in use.

    The lock is what tells `_remove_stale_temporaries` (of another write of the same target) that
    the file is not stale.  Should such a cleanup remove this one between its creation and the lock
    (it then has no name left), another is made.  Where ``flock`` does not exist, no lock.
    """
    import tempfile  # here, not at the top: it would add a sixth to the time `import autograd` takes

    while True:
        try:
            fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{target_name}.", suffix=".tmp")
        except OSError as exc:
            raise _naming(exc, path) from exc
        if fcntl is None:
            return fd, tmp
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)  # waits only while a cleanup is removing it
            if os.fstat(fd).st_nlink > 0:
                return fd, tmp
        except OSError:  # a file system without locks: as without flock
            return fd, tmp
        os.close(fd)  # removed by a cleanup before it was locked: make another


def _remove_stale_temporaries(directory: str, target_name: str, own: str) -> None:
    """Remove the temporary files an earlier write of this target left (killed with ``kill -9``).

    Only regular files named as `write_atomically` names this target's temporaries
    (`_temporary_name`), and only those no living writer holds: each writer holds an ``flock`` on
    its own until it is renamed into place, and a killed one's lock went with it.  Anything that
    cannot be checked or removed is left as it is; a symlink is never followed.
    """
    if fcntl is None:
        return
    pattern = _temporary_name(target_name)
    try:
        names = [name for name in os.listdir(directory) if pattern.fullmatch(name)]
    except OSError:
        return
    for name in names:
        candidate = os.path.join(directory, name)
        if candidate == own:
            continue
        with contextlib.suppress(OSError):
            fd = os.open(candidate, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
            try:
                st = os.fstat(fd)
                if not stat.S_ISREG(st.st_mode):
                    continue
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # BlockingIOError: a writer holds it
                if os.lstat(candidate).st_ino == st.st_ino:  # still the file locked
                    os.unlink(candidate)
            finally:
                os.close(fd)


def _still_replaceable(path: str, target: str) -> None:
    """Just before the rename: ``target`` is (still) a regular file or nothing, not a link either."""
    try:
        st = os.lstat(target)
    except FileNotFoundError:
        return
    if not stat.S_ISREG(st.st_mode):
        raise _refuse(path, st.st_mode, "write")


def read_regular_file(path: str | os.PathLike[str], limit: int) -> bytes:
    """At most ``limit`` bytes from the start of the regular file at ``path`` (symlinks followed).

    Anything else is refused at once with a `NotARegularFileError` (``cannot read 'p': it is a
    named pipe, not a regular file``), before it is opened: a named pipe cannot block the read, a
    device is never opened.  Other problems raise the usual `OSError` naming ``path``.
    """
    name = os.fspath(path)
    st = os.stat(name)
    if not stat.S_ISREG(st.st_mode):
        raise _refuse(name, st.st_mode, "read")
    # O_NONBLOCK: should a pipe have been put there since the check, opening it does not wait
    fd = os.open(name, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    with open(fd, "rb") as f:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise _refuse(name, st.st_mode, "read")
        return f.read(limit)


def _naming(exc: OSError, path: str) -> OSError:
    """``exc`` as the same kind of error about ``path`` (the user's), not the temporary file."""
    if exc.errno is None or exc.strerror is None:
        return OSError(f"cannot write {path!r}: {exc}")
    try:
        return type(exc)(exc.errno, exc.strerror, path)
    except Exception:  # a subclass with a constructor of its own
        return OSError(exc.errno, exc.strerror, path)


_PROC_STATUS = "/proc/self/status"
_proc_has_umask: bool | None = None
"""Whether `_PROC_STATUS` shows the umask (Linux 4.7 and later): found out once, on first use."""


def _umask() -> int:
    """The process's umask, read without changing it where the system allows.

    Linux shows it in ``/proc/self/status`` (a line ``Umask: 0022``), read afresh each time (the
    program may change it).  Elsewhere the only way is to set it and set it back: for that moment a
    file another thread creates would get mode 0666, so it is done only where there is no other way.
    """
    global _proc_has_umask
    if _proc_has_umask is not False:
        umask = _umask_from_proc()
        _proc_has_umask = umask is not None
        if umask is not None:
            return umask
    umask = os.umask(0)
    os.umask(umask)
    return umask


def _umask_from_proc() -> int | None:
    try:
        with open(_PROC_STATUS, "rb") as f:
            status = f.read()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith(b"Umask:"):
            try:
                return int(line[len(b"Umask:") :].strip(), 8) & 0o777
            except ValueError:
                return None
    return None


def _fsync_directory(directory: str) -> None:
    """Make the rename itself durable (POSIX); a no-op where directories cannot be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
