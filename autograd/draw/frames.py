"""One picture per backward step, and a page to flip through them.

`FrameWriter` draws the graph after each step of ``backward_steps()`` (the edges the gradient has
already flowed along in blue, the node just processed in red) to ``step-01.svg``,
``step-02.svg``, ... and `write_page` writes ``index.html`` beside them: a self-contained page
(no network, no external script or style; the pictures referenced relatively) with Prev/Next
buttons, the arrow keys, a step counter and a Play button that animates the backward pass frame by
frame at the speed chosen beside it, that works opened straight from disk.

The page shows exactly the frames drawn in this run, and never a frame of another run: a run draws
its frames into a fresh hidden folder (``.DIR.XXXXXXXX.tmp`` beside a new ``DIR``, or
``DIR/.frames-XXXXXXXX.tmp`` in an existing one), and only `FrameWriter.finish` moves them into
place, by renames, when all are drawn.  A new ``DIR`` arrives whole, in one rename; into an
existing one, ``index.html`` is first replaced by a short page saying a new run is being moved in,
then the frames are moved, then the new page, so an interrupted move leaves no page showing
frames of two runs.  A run stopped while drawing (Ctrl-C, an error) leaves the folder exactly as
the earlier run left it, and removes its hidden folder (`FrameWriter.discard`; one left by a
``kill -9`` is removed by the next run into the same ``DIR``).  `FrameWriter.finish` also removes
the ``step-NN.svg`` files in its directory that this run did not draw (the rest of an earlier,
longer run), so that none is left looking like part of this one; it touches no other file.  Every file
goes through `autograd.files` (a regular file or a new path only; a symlink is written through),
and `check_directory` refuses, before anything is drawn, an empty directory name and a directory
where something other than a regular file or a folder is named like a frame or the page.
"""

from __future__ import annotations

import contextlib
import errno
import html
import os
import re
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from autograd import files
from autograd.core import Value, topological_order
from autograd.draw.graph import DEFAULT_MAX_NODES, draw
from autograd.files import check_writable, write_atomically

if TYPE_CHECKING:  # a step of `autograd.explain.steps.backward_steps`, the layer above, is drawn here
    from autograd.explain.steps import Step

try:
    import fcntl
except ImportError:  # not POSIX: staging folders are not locked, and none left is removed
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "DEFAULT_MAX_FRAMES",
    "DEFAULT_SPEED",
    "FRAME_NAME",
    "SPEEDS",
    "Frame",
    "FrameWriter",
    "NotAFolderError",
    "TooManyFramesError",
    "check_directory",
    "check_frame_count",
    "write_page",
]

FRAME_NAME = re.compile(r"step-[0-9]{2,}\.svg")
"""The names `FrameWriter` gives its pictures (``step-01.svg``, ...): the only files it removes."""


def check_directory(directory: str | Path) -> Path:
    """``directory`` as a `Path`, once it is known the frames and the page can go there.

    `ValueError` for ``""`` (which would mean the current directory, and the removal of its
    ``step-NN.svg``: say ``.`` if that is meant); `autograd.files.NotARegularFileError` (an
    `OSError`) when ``index.html`` there, or an entry named like a frame, is a device, a named
    pipe or a socket (a folder named like a frame is left alone, as `FrameWriter.finish` does);
    `NotAFolderError` (a `NotADirectoryError`) when ``directory`` is there but is not a directory
    (a regular file, a named pipe, ...).  A missing directory is fine: it is created.
    """
    if isinstance(directory, str) and not directory:
        raise ValueError("the frames directory name is empty; give one, e.g. out/steps (or . for here)")
    path = Path(directory)
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return path  # created when the first frame is drawn
    except NotADirectoryError:
        raise NotAFolderError(os.fspath(directory), "a part of the path is a file, not a directory") from None
    if not stat.S_ISDIR(mode):
        raise NotAFolderError(os.fspath(directory), f"it is {files.kind_of(mode)}, not a directory")
    if path.is_dir():
        check_writable(path / "index.html")
        for entry in sorted(path.iterdir()):
            if FRAME_NAME.fullmatch(entry.name) and not entry.is_dir():
                check_writable(entry)
    return path


#: `FrameWriter` (and ``--frames``) refuses a walk of more steps than this, one frame each, unless
#: told otherwise (``max_frames``, ``--max-frames``): each frame is the whole graph, laid out anew.
DEFAULT_MAX_FRAMES = 100

#: An SVG Graphviz draws is about this many times the size of its DOT text (11 to 12.5 measured
#: from 5 to 1,001 nodes): the estimate `TooManyFramesError` gives.
SVG_BYTES_PER_DOT_BYTE = 12


class TooManyFramesError(ValueError):
    """A walk would draw more frames than allowed; says how many, and about how large they are.

    ``frames``: the walk's steps (one frame each); ``nodes``: the graph's; ``frame_bytes``: the
    estimated size of one frame (the graph's DOT text times `SVG_BYTES_PER_DOT_BYTE`);
    ``max_frames``: the limit.
    """

    def __init__(self, frames: int, nodes: int, frame_bytes: int, max_frames: int) -> None:
        self.frames, self.nodes, self.frame_bytes, self.max_frames = frames, nodes, frame_bytes, max_frames
        super().__init__(
            f"FrameWriter: {self.numbers()}; that is more than max_frames={max_frames}: draw a smaller"
            f" graph, or pass max_frames={frames} (None for no limit)"
        )

    def numbers(self) -> str:
        """The walk in numbers: ``999 frames of a 1,001-node graph, about 3.2 MB each (3.2 GB in
        all)``."""
        return (
            f"{self.frames:,} frames of a {self.nodes:,}-node graph, about {_size(self.frame_bytes)} each"
            f" ({_size(self.frame_bytes * self.frames)} in all)"
        )


def _size(n: int) -> str:
    """A byte count for people: ``850 bytes``, ``38 KB``, ``3.1 MB``, ``3.1 GB``, ``12,000 GB``."""
    if n < 1000:
        return f"{n} bytes"
    value, unit = n / 1000, "KB"
    for larger in ("MB", "GB"):
        if value < 1000:
            break
        value, unit = value / 1000, larger
    return f"{value:.2g} {unit}" if value < 10 else f"{value:,.0f} {unit}"


def check_frame_count(
    root: Value, max_frames: int | None = DEFAULT_MAX_FRAMES, *, split_shared: bool | None = None
) -> int:
    """The number of frames a walk of ``root``'s backward pass draws (one a step), or, when that
    is more than ``max_frames`` (``None``: no limit), `TooManyFramesError` with the numbers.

    Quick (the graph's DOT text is made, nothing is rendered), so that a command line can refuse
    before it works for minutes.
    """
    steps = len(topological_order(root))
    if max_frames is None or steps <= max_frames:
        return steps
    graph = draw(root, max_nodes=None, split_shared=split_shared)
    raise TooManyFramesError(steps, graph.nodes, len(graph.source.encode("utf-8")) * SVG_BYTES_PER_DOT_BYTE,
                             max_frames)


class NotAFolderError(NotADirectoryError):
    """Something other than a directory is where the frames would go (a file, a named pipe, ...).

    ``str(error)``: ``cannot draw frames into 'out': it is a named pipe, not a directory; give a
    directory, or a new name (it is created)``.
    """

    def __init__(self, path: str, why: str) -> None:
        super().__init__(errno.ENOTDIR, why, path)

    def __str__(self) -> str:
        return (
            f"cannot draw frames into {self.filename!r}: {self.strerror};"
            " give a directory, or a new name (it is created)"
        )


@dataclass(frozen=True)
class Frame:
    """One frame of the page: the picture's file name (relative), a caption, the step's text."""

    picture: str
    caption: str
    text: str


class FrameWriter:
    """Draws one SVG per step, then the page, and moves them all into ``directory`` at the end.

    Call `add` right after each step (the picture shows the gradients as they are at that moment),
    then `finish`, which moves the run into ``directory`` (created if needed; see the module doc);
    or `discard` to drop a run without touching ``directory``.  ``params``: the leaves to colour as
    parameters; ``backend``, ``max_nodes`` and ``split_shared`` as in `draw`.  ``max_frames``:
    refuse, before anything is drawn, a walk of more steps (`TooManyFramesError`, with how many
    frames and about how large; ``None``: no limit).  After `finish`, ``removed`` lists the stale
    ``step-NN.svg`` files it deleted.
    """

    def __init__(
        self,
        root: Value,
        directory: str | Path,
        *,
        params: Iterable[Value] | None = None,
        backend: str = "auto",
        max_nodes: int | None = DEFAULT_MAX_NODES,
        split_shared: bool | None = None,
        max_frames: int | None = DEFAULT_MAX_FRAMES,
    ) -> None:
        check_frame_count(root, max_frames, split_shared=split_shared)
        self.root = root
        self.max_nodes = max_nodes
        self.backend = backend
        self.split_shared = split_shared
        self.directory = check_directory(directory)
        self.params = None if params is None else list(params)
        self.frames: list[Frame] = []
        self.removed: list[Path] = []
        self._traversed: list[Value] = []
        self._staging = _Staging(self.directory)

    def add(self, step: Step, caption: str, text: str) -> Path:
        """Draw the graph as it is after ``step``: traversed edges highlighted, its node marked.

        Returns the path the frame will have once `finish` has moved the run into place.
        """
        self._traversed.append(step.node)
        name = f"step-{len(self.frames) + 1:02d}.svg"
        graph = draw(
            self.root,
            traversed=self._traversed,
            current=step.node,
            params=self.params,
            backend=self.backend,
            max_nodes=self.max_nodes,
            split_shared=self.split_shared,
        )
        graph.save(self._staging.path / name)
        self.frames.append(Frame(name, caption, text))
        return self.directory / name

    def finish(self, title: str, intro: str = "") -> Path:
        """Write ``index.html`` for the frames drawn so far, move the run into place, and remove
        stale frames; returns the page's path.

        Stale: a file in the directory named like a frame (`FRAME_NAME`, e.g. ``step-05.svg``) that
        this writer did not draw, left by an earlier run that drew more steps.
        """
        try:
            write_page(self._staging.path, title, self.frames, intro)
            self._staging.move_into_place([frame.picture for frame in self.frames], self.removed)
        except BaseException:
            self.discard()
            raise
        return self.directory / "index.html"

    def discard(self) -> None:
        """Drop the frames drawn so far: ``directory`` is left as it was.  Idempotent."""
        self._staging.remove()


_PAGE = "index.html"
_BEING_REPLACED = (
    '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
    "<title>Frames being replaced</title>\n</head>\n<body>\n"
    "<p>A new run's frames are being moved into this folder; reload this page in a moment. If it"
    " stays, that run was stopped: run it again.</p>\n</body>\n</html>\n"
)


class _Staging:
    """The fresh hidden folder one run draws into, and the move of its files into ``directory``.

    Beside a ``directory`` that does not exist yet (``.NAME.XXXXXXXX.tmp``), so that the whole
    folder arrives in one rename; inside one that does (``.frames-XXXXXXXX.tmp``), so that the
    renames stay on its file system and within what may be written.  The folder is locked
    (``flock``) while the run lives, so that a later run removes it only when it was left by a run
    that was killed.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.whole = not directory.exists()
        if self.whole:
            parent = directory.absolute().parent
            parent.mkdir(parents=True, exist_ok=True)
            self._prefix = f".{directory.absolute().name}."
            self._in = parent
        else:
            self._prefix = ".frames-"
            self._in = directory
        self._remove_stale()
        self.path = _new_folder(self._in, self._prefix)
        self._lock = _lock(self.path, blocking=True)

    def _remove_stale(self) -> None:
        """Remove the staging folders of runs into the same ``directory`` that were killed."""
        pattern = re.compile(rf"{re.escape(self._prefix)}[a-z0-9_]{{8}}\.tmp")
        try:
            names = sorted(name for name in os.listdir(self._in) if pattern.fullmatch(name))
        except OSError:
            return
        for name in names:
            folder = self._in / name
            if folder.is_symlink() or not folder.is_dir():
                continue
            lock = _lock(folder, blocking=False)
            if lock is not None:
                try:
                    _empty_and_remove(folder)
                finally:
                    os.close(lock)

    def move_into_place(self, pictures: Sequence[str], removed: list[Path]) -> None:
        """Move the page and ``pictures`` into ``directory``; append the stale frames removed."""
        if self.whole:
            try:
                os.rename(self.path, self.directory)  # a new folder, whole: never a mixed page
            except OSError:  # a folder put there meanwhile: the moves below, as into any folder
                pass
            else:
                self.path = self.directory
                self._unlock()
                return
        self.directory.mkdir(parents=True, exist_ok=True)
        page = self.directory / _PAGE
        if os.path.lexists(page):  # the earlier run's page stops showing its frames first
            write_atomically(page, _BEING_REPLACED.encode("utf-8"))
        for name in pictures:
            staged = self.path / name
            if staged.exists():
                _move(staged, self.directory / name)
        drawn = set(pictures)
        for entry in sorted(self.directory.iterdir()):
            if FRAME_NAME.fullmatch(entry.name) and entry.name not in drawn and _is_file_or_link(entry):
                entry.unlink()
                removed.append(entry)
        _move(self.path / _PAGE, page)  # last: the page of exactly these frames
        self.remove()

    def remove(self) -> None:
        """Remove the staging folder and what this run drew into it (nothing else).  Idempotent."""
        if self.path != self.directory:
            _empty_and_remove(self.path)
        self._unlock()

    def _unlock(self) -> None:
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None


def _new_folder(parent: Path, prefix: str) -> Path:
    """A new folder ``prefix`` + 8 random characters + ``.tmp`` in ``parent``, with the mode any
    new folder gets (0777 less the umask: the one a new DIR ends up with), unlike ``mkdtemp``'s."""
    import secrets  # here, as tempfile in autograd.files: `import autograd` stays quick

    while True:
        path = parent / f"{prefix}{''.join(secrets.choice(_RANDOM) for _ in range(8))}.tmp"
        try:
            path.mkdir()
        except FileExistsError:
            continue
        return path


_RANDOM = "abcdefghijklmnopqrstuvwxyz0123456789_"


def _lock(folder: Path, *, blocking: bool) -> int | None:
    """An ``flock``ed descriptor of ``folder``, or None (held by a living run, or no ``flock``)."""
    if fcntl is None:
        return None
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX if blocking else fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


_OWN_NAME = rf"(?:{FRAME_NAME.pattern}|{re.escape(_PAGE)})"
_OWN_FILE = re.compile(rf"{_OWN_NAME}|\.{_OWN_NAME}\.[a-z0-9_]{{8}}\.tmp")
"""What a run draws into its staging folder: frames, the page, and their temporary files."""


def _empty_and_remove(folder: Path) -> None:
    """Remove the files a run writes from ``folder``, then the folder if that emptied it."""
    with contextlib.suppress(OSError):
        for entry in folder.iterdir():
            if _OWN_FILE.fullmatch(entry.name) and _is_file_or_link(entry):
                entry.unlink()
        folder.rmdir()


def _move(staged: Path, target: Path) -> None:
    """Move one drawn file into place: a rename, keeping an existing file's permission bits; a
    symlink there is written through, as every file the project writes (`autograd.files`)."""
    try:
        st = os.lstat(target)
    except FileNotFoundError:
        st = None
    if st is not None and not stat.S_ISREG(st.st_mode):  # a link (or something write_atomically refuses)
        write_atomically(target, staged.read_bytes())
        staged.unlink()
        return
    if st is not None:
        os.chmod(staged, stat.S_IMODE(st.st_mode) & 0o777)
    os.replace(staged, target)


def _is_file_or_link(entry: Path) -> bool:
    """A regular file, or a symlink (removing it removes the link only): what `finish` may remove."""
    return entry.is_symlink() or entry.is_file()


_STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.3em; margin: 0 0 .3em; }
p.intro { max-width: 60em; margin: 0 0 .8em; }
nav { position: sticky; top: 0; background: #fff; padding: .4em 0; border-bottom: 1px solid #ddd; }
nav button { font-size: 1em; padding: .3em 1em; }
#counter { display: inline-block; min-width: 9em; text-align: center; font-weight: bold; }
section.frame h2 { font-size: 1.05em; margin: .8em 0 .4em; }
section.frame img { max-width: 100%; max-height: 72vh; height: auto; border: 1px solid #eee; }
section.frame pre { background: #f6f8fa; padding: .6em; overflow-x: auto; font-size: .9em; }
/* With JavaScript, one frame at a time fills the window below the controls: the step's text in a box
   of fixed height (scrolled when longer), the picture in the fixed frame left, scaled to fit it, so
   nothing runs below the fold and nothing moves when the next step's text is longer. */
html.js { height: 100%; }
html.js body { height: 100%; margin: 0; padding: 1em 1.5em; box-sizing: border-box;
  display: flex; flex-direction: column; }
html.js body > * { flex: none; }
html.js body > p { margin: 0 0 .6em; }  /* a flex column does not collapse margins */
html.js section.frame { flex: 1 1 0; min-height: 12em; display: flex; flex-direction: column; }
html.js section.frame[hidden] { display: none; }
html.js section.frame h2 { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
html.js section.frame pre { flex: none; height: 5.4em; overflow: auto; margin: 0 0 .5em; line-height: 1.2; }
html.js section.frame img { flex: 1 1 0; min-height: 0; width: 100%; max-width: none; max-height: none;
  object-fit: contain; object-position: center top; box-sizing: border-box; }
.current { color: #d62728; }
.flowed { color: #1f5fbf; }
.pending { color: #888; }
"""

_SCRIPT = """
(function () {
  document.documentElement.classList.add("js");  // the one-frame layout that fits the window
  var frames = document.querySelectorAll("section.frame");
  var counter = document.getElementById("counter");
  var prev = document.getElementById("prev");
  var next = document.getElementById("next");
  var play = document.getElementById("play");
  var speed = document.getElementById("speed");
  var current = 0;
  var timer = null;
  function show(k) {
    current = Math.max(0, Math.min(frames.length - 1, k));
    for (var i = 0; i < frames.length; i++) { frames[i].hidden = (i !== current); }
    counter.textContent = "Step " + (current + 1) + " of " + frames.length;
    prev.disabled = (current === 0);
    next.disabled = (current === frames.length - 1);
    try { history.replaceState(null, "", "#" + (current + 1)); } catch (e) { /* file:// may refuse */ }
  }
  function stop() {
    if (timer !== null) { clearTimeout(timer); timer = null; }
    play.textContent = "▶ Play";
    play.setAttribute("aria-pressed", "false");
  }
  function tick() {
    show(current + 1);
    if (current >= frames.length - 1) { stop(); return; }  // the last step: done
    timer = setTimeout(tick, parseFloat(speed.value) * 1000);
  }
  function start() {
    if (current >= frames.length - 1) { show(0); }  // at the end: play from the first step
    play.textContent = "❚❚ Pause";
    play.setAttribute("aria-pressed", "true");
    timer = setTimeout(tick, parseFloat(speed.value) * 1000);
  }
  function toggle() { if (timer === null) { start(); } else { stop(); } }
  function go(k) { stop(); show(k); }  // stepping by hand pauses the animation
  prev.addEventListener("click", function () { go(current - 1); });
  next.addEventListener("click", function () { go(current + 1); });
  play.addEventListener("click", toggle);
  speed.addEventListener("change", function () {  // a new speed applies from the next frame
    if (timer !== null) { clearTimeout(timer); timer = setTimeout(tick, parseFloat(speed.value) * 1000); }
  });
  document.addEventListener("keydown", function (event) {
    if (event.target === speed) { return; }
    if (event.key === "ArrowLeft" || event.key === "PageUp") { go(current - 1); event.preventDefault(); }
    else if (event.key === "ArrowRight" || event.key === "PageDown" || event.key === " ") {
      go(current + 1); event.preventDefault();
    }
    else if (event.key === "Home") { go(0); event.preventDefault(); }
    else if (event.key === "End") { go(frames.length - 1); event.preventDefault(); }
    else if (event.key === "p" || event.key === "P") { toggle(); event.preventDefault(); }
  });
  var start_at = parseInt(location.hash.slice(1), 10);
  show(isNaN(start_at) ? 0 : start_at - 1);
  if (new URLSearchParams(location.search).has("play")) { start(); }  // index.html?play
})();
"""

#: The Play button's speeds: seconds per frame, and the one chosen at first.
SPEEDS = (("2", "slow: 2 s a step"), ("1", "1 s a step"), ("0.5", "0.5 s a step"), ("0.2", "fast: 0.2 s"))
DEFAULT_SPEED = "1"


def write_page(directory: str | Path, title: str, frames: Sequence[Frame], intro: str = "") -> Path:
    """Write ``directory/index.html`` showing ``frames`` one at a time; returns its path.

    Everything is in the one file except the pictures, referenced by their relative names, so the
    folder can be opened from disk (``file://``) or moved as a whole.  Without JavaScript every
    frame is shown, one under the other.
    """
    if not frames:
        raise ValueError(f"write_page: no frames to show in {str(directory)!r}")
    esc = html.escape
    sections = []
    for k, frame in enumerate(frames, 1):
        sections.append(
            f'<section class="frame" id="step-{k}">\n'
            f"<h2>Step {k} of {len(frames)}: {esc(frame.caption)}</h2>\n"
            f"<pre>{esc(frame.text)}</pre>\n"
            f'<img src="{esc(frame.picture)}" alt="{esc(f"the graph after step {k}: {frame.caption}")}">\n'
            f"</section>"
        )
    speeds = "".join(
        f'<option value="{value}"{" selected" if value == DEFAULT_SPEED else ""}>{text}</option>'
        for value, text in SPEEDS
    )
    legend = (
        '<p class="legend"><span class="flowed">Blue</span> edges: the gradient has flowed along them'
        ' (×local derivative → what flowed). <span class="current">Red</span>: the node of this step'
        ' and its edges. <span class="pending">Grey</span>: not reached yet (only ×local).'
        " Play animates the backward pass, one step per tick at the speed beside it."
        " Keys: ← → (or PageUp/PageDown, Space), Home, End, P (play/pause).</p>"
    )
    page = "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{esc(title)}</title>",
            f"<style>{_STYLE}</style>",
            "</head>",
            "<body>",
            f"<h1>{esc(title)}</h1>",
            f'<p class="intro">{esc(intro)}</p>' if intro else "",
            legend,
            '<nav><button id="prev" type="button">◀ Prev</button>'
            f' <span id="counter">Step 1 of {len(frames)}</span>'
            ' <button id="next" type="button">Next ▶</button>'
            ' <button id="play" type="button" aria-pressed="false">▶ Play</button>'
            f' <label>speed <select id="speed">{speeds}</select></label></nav>',
            *sections,
            f"<script>{_SCRIPT}</script>",
            "</body>",
            "</html>",
            "",
        ]
    )
    path = Path(directory) / "index.html"
    write_atomically(path, page.encode("utf-8"))
    return path
