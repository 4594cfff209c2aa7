"""Writing a file atomically: a crash or a failed write leaves the old file (or none), never a part.

Used by `Graph.save` (pictures) and by `nn`'s weight files.
"""

from __future__ import annotations

import contextlib
import os

__all__ = ["write_atomically"]


def write_atomically(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` so that a crash leaves either the old file or the new one.

    Temporary file in the same directory (so ``os.replace`` is a rename on one file system),
    write everything, fsync, then replace; on any failure the temporary file is removed.  The
    new file keeps the old one's permissions, or gets the usual ones (0666 less the umask).

    An `OSError` names ``path``, never the temporary file (same type and errno, raised from the
    original): ``FileNotFoundError: [Errno 2] No such file or directory: 'missing/a.svg'``.
    """
    import tempfile  # here, not at the top: it would add a sixth to the time `import autograd` takes

    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(path)}.", suffix=".tmp")
    except OSError as exc:
        raise _naming(exc, path) from exc
    try:
        try:
            os.fchmod(fd, _mode_for(path))
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise _naming(exc, path) from exc
        raise
    _fsync_directory(directory)


def _naming(exc: OSError, path: str) -> OSError:
    """``exc`` as the same kind of error about ``path`` (the user's), not the temporary file."""
    if exc.errno is None or exc.strerror is None:
        return OSError(f"cannot write {path!r}: {exc}")
    try:
        return type(exc)(exc.errno, exc.strerror, path)
    except Exception:  # a subclass with a constructor of its own
        return OSError(exc.errno, exc.strerror, path)


def _mode_for(path: str) -> int:
    """The mode to give the file at ``path``: the existing file's, or 0666 less the umask."""
    try:
        return os.stat(path).st_mode & 0o777
    except FileNotFoundError:
        return 0o666 & ~_umask()


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
