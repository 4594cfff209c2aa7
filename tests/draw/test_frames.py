"""`python -m demos.step_through --frames DIR`: the page shows (and says) exactly the steps this run
drew, and the ``step-NN.svg`` an earlier, longer run left in DIR are removed, and nothing else."""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from autograd import Value, backward_steps, files
from autograd.draw import frames
from autograd.draw.frames import DEFAULT_SPEED, SPEEDS, Frame, FrameWriter, write_page
from autograd.explain.stepping import walk_steps
from demos import step_through

STEPS = 7  # the seed's first-sample graph: Cost, ô, o, ĥ2, h2, ĥ1, h1


def _pictures(page: Path) -> list[str]:
    return re.findall(r'<img src="([^"]+)"', page.read_text(encoding="utf-8"))


def _names(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


@pytest.fixture(scope="module")
def quit_after_one(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A complete --frames run, then ``--pause --frames`` into the same folder answering q at the
    first pause (a fake stdin); the folder and the second run's stdout."""
    directory = tmp_path_factory.mktemp("frames")
    step_through.walk("bce", write=lambda line: None, frames=directory)
    assert len(list(directory.glob("step-*.svg"))) == STEPS
    out = io.StringIO()
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(out):
        patch.setattr(sys, "stdin", io.StringIO("q\n"))
        assert step_through.main(["--pause", "--frames", str(directory)]) == 0
    return directory, out.getvalue()


@pytest.mark.renderer
def test_quitting_at_the_first_pause_stops_after_one_step(quit_after_one: tuple[Path, str]) -> None:
    _, out = quit_after_one
    assert out.count("[Enter: next step, q: quit]") == 1
    assert "(stopped)" in out
    assert "\n1 frame and the page: " in out


@pytest.mark.renderer
def test_quitting_early_leaves_a_page_of_only_the_steps_drawn(quit_after_one: tuple[Path, str]) -> None:
    directory, _ = quit_after_one
    page = (directory / "index.html").read_text(encoding="utf-8")
    assert _pictures(directory / "index.html") == ["step-01.svg"]
    assert '<span id="counter">Step 1 of 1</span>' in page
    intro = f"The walk has {STEPS} steps, but this run was stopped after step 1, so this page shows only"
    assert f"{intro} step 1;" in page
    assert f"{STEPS} steps;" not in page
    assert f"of {STEPS}</h2>" not in page


@pytest.mark.renderer
def test_quitting_early_removes_the_frames_an_earlier_run_left(quit_after_one: tuple[Path, str]) -> None:
    directory, out = quit_after_one
    assert _names(directory) == ["index.html", "step-01.svg"]
    stale = ", ".join(f"step-{k:02d}.svg" for k in range(2, STEPS + 1))
    assert f"removed the frames an earlier run left there, not drawn this time: {stale}\n" in out


@pytest.mark.renderer
def test_stopping_after_some_steps_says_how_many_the_page_shows(tmp_path: Path) -> None:
    answers = iter([True, False])  # Enter, then q
    result = step_through.walk("bce", write=lambda line: None, pause=lambda: next(answers), frames=tmp_path)
    assert result.page is not None
    assert _pictures(result.page) == ["step-01.svg", "step-02.svg"]
    page = result.page.read_text(encoding="utf-8")
    assert "stopped after step 2, so this page shows only steps 1 to 2;" in page


@pytest.mark.renderer
def test_a_complete_run_removes_a_frame_it_did_not_draw_and_keeps_the_rest(tmp_path: Path) -> None:
    (tmp_path / "step-08.svg").write_text("<svg/>", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    result = step_through.walk("bce", write=lambda line: None, frames=tmp_path)
    assert result.removed == [tmp_path / "step-08.svg"]
    frames = [f"step-{k:02d}.svg" for k in range(1, STEPS + 1)]
    assert _names(tmp_path) == ["index.html", "notes.txt", *frames]


@pytest.mark.renderer
def test_a_complete_run_into_its_own_earlier_frames_removes_nothing(tmp_path: Path) -> None:
    step_through.walk("bce", write=lambda line: None, frames=tmp_path)
    again = step_through.walk("bce", write=lambda line: None, frames=tmp_path)
    assert again.removed == []
    assert len(_pictures(tmp_path / "index.html")) == STEPS


def test_only_files_named_exactly_like_a_frame_are_removed(tmp_path: Path) -> None:
    spared = ["notes.txt", "step-1.svg", "step-02.png", "my-step-02.svg", "step-02.svg.bak", "step-ab.svg"]
    for name in [*spared, "step-01.svg", "step-02.svg", "step-100.svg"]:
        (tmp_path / name).write_text("x", encoding="utf-8")
    (tmp_path / "step-03.svg").mkdir()  # a folder, even named like a frame, is never touched
    writer = FrameWriter(Value(1.0), tmp_path)
    writer.frames.append(Frame("step-01.svg", "caption", "text"))  # as if add() had drawn it
    writer.finish("title")
    assert writer.removed == [tmp_path / "step-02.svg", tmp_path / "step-100.svg"]
    assert _names(tmp_path) == sorted([*spared, "index.html", "step-01.svg", "step-03.svg"])


@pytest.mark.renderer
def test_the_page_is_written_through_a_symlink_named_index_html(tmp_path: Path) -> None:
    # the one policy of autograd.files for every file the project writes: the link's target is
    # replaced, atomically, and the link stays a link
    page = tmp_path / "page.html"
    page.write_text("an older page", encoding="utf-8")
    frames = tmp_path / "frames"
    frames.mkdir()
    (frames / "index.html").symlink_to(page)
    x = Value(2.0, label="x")
    y = x * 3.0
    writer = FrameWriter(y, frames)
    for step in backward_steps(y):
        writer.add(step, "caption", "text")
    writer.finish("title")
    assert (frames / "index.html").is_symlink()
    assert "<html" in page.read_text(encoding="utf-8")


def _three_frames(directory: Path) -> Path:
    """A page of three frames (pictures of a few bytes: no Graphviz needed)."""
    frames = []
    for k in range(1, 4):
        name = f"step-{k:02d}.svg"
        (directory / name).write_text('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>')
        frames.append(Frame(name, f"caption {k}", f"text {k}"))
    return write_page(directory, "title", frames)


def test_the_page_has_a_play_button_and_a_speed_control(tmp_path: Path) -> None:
    page = _three_frames(tmp_path).read_text(encoding="utf-8")
    assert '<button id="play" type="button" aria-pressed="false">▶ Play</button>' in page
    options = re.findall(r'<option value="([0-9.]+)"( selected)?>', page)
    assert [value for value, _ in options] == [value for value, _ in SPEEDS]
    assert [value for value, selected in options if selected] == [DEFAULT_SPEED]
    assert "setTimeout(tick, parseFloat(speed.value) * 1000)" in page


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def _dom_after(page: Path, query: str, milliseconds: int) -> str:
    """The page's DOM after `milliseconds` of (virtual) time in headless Chromium."""
    assert CHROMIUM is not None
    command = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", f"--virtual-time-budget={milliseconds}",
        "--dump-dom", page.as_uri() + query,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=True).stdout


@pytest.mark.skipif(CHROMIUM is None, reason="needs a headless Chromium (apt-get install chromium)")
def test_play_animates_the_frames_one_a_second_and_stops_at_the_last(tmp_path: Path) -> None:
    page = _three_frames(tmp_path)
    counter = re.compile(r'<span id="counter">([^<]*)</span>')
    playing = re.compile(r'<button id="play"[^>]*aria-pressed="(true|false)"')
    states = []
    for milliseconds in (500, 1500, 2500):
        dom = _dom_after(page, "?play", milliseconds)
        states.append((counter.findall(dom), playing.findall(dom)))
    assert states == [
        (["Step 1 of 3"], ["true"]),
        (["Step 2 of 3"], ["true"]),
        (["Step 3 of 3"], ["false"]),  # at the end: Play again, which starts over from step 1
    ]
    still = _dom_after(page, "", 2500)  # without ?play nothing moves
    assert counter.findall(still) == ["Step 1 of 3"]


def test_ctrl_c_during_the_walk_exits_130_without_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def interrupted() -> bool:
        raise KeyboardInterrupt

    monkeypatch.setattr(step_through, "_wait_for_enter", interrupted)
    assert step_through.main(["--pause"]) == 130
    assert capsys.readouterr().err == "\ninterrupted\n"


# ---- a page never shows frames of another run ----------------------------------------------------


class _Picture:
    """What `draw` returns, without Graphviz: a picture that says which run drew it."""

    def __init__(self, text: str) -> None:
        self.text = text

    def save(self, path: Path) -> Path:
        files.write_atomically(path, self.text.encode("utf-8"))
        return path


def _run(directory: Path, run: str, monkeypatch: pytest.MonkeyPatch, stop_at: int | None = None) -> None:
    """Draw the three steps of x*y*z into ``directory`` as run ``run``; raise KeyboardInterrupt
    when about to draw step ``stop_at``."""
    def draw(root: Value, **kwargs: object) -> _Picture:
        drawn = len(kwargs["traversed"])  # type: ignore[arg-type]
        if drawn == stop_at:
            raise KeyboardInterrupt
        return _Picture(f"<svg>{run} {drawn}</svg>")

    monkeypatch.setattr(frames, "draw", draw)
    x, y, z = Value(2.0, label="x"), Value(3.0, label="y"), Value(4.0, label="z")
    f = x * y * z + x
    writer = FrameWriter(f, directory)
    walk_steps(f, root_name="f", write=lambda line: None, writer=writer)
    writer.finish(f"run {run}")


def _contents(directory: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(directory.iterdir())}


def _runs_shown(directory: Path) -> set[str]:
    """The runs whose frames the page in ``directory`` shows."""
    pictures = _pictures(directory / "index.html")
    return {(directory / name).read_text(encoding="utf-8").split()[0][5:] for name in pictures}


def test_a_run_stopped_while_drawing_leaves_the_earlier_run_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    steps = tmp_path / "steps"
    _run(steps, "old", monkeypatch)
    before = _contents(steps)
    assert _runs_shown(steps) == {"old"}
    with pytest.raises(KeyboardInterrupt):
        _run(steps, "new", monkeypatch, stop_at=2)  # Ctrl-C while drawing the second frame
    assert _contents(steps) == before
    assert _names(tmp_path) == ["steps"]  # and no hidden folder left


def test_a_new_folder_arrives_whole_and_a_stopped_one_not_at_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(KeyboardInterrupt):
        _run(tmp_path / "steps", "new", monkeypatch, stop_at=3)
    assert _names(tmp_path) == []
    _run(tmp_path / "steps", "new", monkeypatch)
    assert _names(tmp_path) == ["steps"]
    assert _names(tmp_path / "steps") == ["index.html", "step-01.svg", "step-02.svg", "step-03.svg"]
    assert _runs_shown(tmp_path / "steps") == {"new"}
    umask = os.umask(0o022)
    os.umask(umask)
    assert stat.S_IMODE((tmp_path / "steps").stat().st_mode) == 0o777 & ~umask  # as mkdir made it


@pytest.mark.parametrize("moved", [0, 1, 2, 3])
def test_a_move_stopped_midway_leaves_no_page_showing_two_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, moved: int
) -> None:
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")  # an existing folder: file by file
    _run(tmp_path, "old", monkeypatch)
    real = frames._move
    count = 0

    def move(staged: Path, target: Path) -> None:
        nonlocal count
        if count == moved:
            raise KeyboardInterrupt  # Ctrl-C (or kill -9) between two renames
        count += 1
        real(staged, target)

    monkeypatch.setattr(frames, "_move", move)
    with pytest.raises(KeyboardInterrupt):
        _run(tmp_path, "new", monkeypatch)
    assert _runs_shown(tmp_path) in ({"old"}, set())  # the old page is replaced before any frame moves
    assert "being moved into this folder" in (tmp_path / "index.html").read_text(encoding="utf-8")
    monkeypatch.setattr(frames, "_move", real)
    _run(tmp_path, "new", monkeypatch)
    assert _runs_shown(tmp_path) == {"new"}
    assert _names(tmp_path) == ["index.html", "notes.txt", "step-01.svg", "step-02.svg", "step-03.svg"]


def test_the_folder_of_a_killed_run_is_removed_by_the_next_run_and_only_that(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    killed = tmp_path / ".frames-k3j_x9ab.tmp"  # as a run killed with kill -9 leaves it
    killed.mkdir()
    (killed / "step-01.svg").write_text("<svg/>", encoding="utf-8")
    (killed / ".step-02.svg.a1b2c3d4.tmp").write_text("<sv", encoding="utf-8")
    foreign = tmp_path / ".frames-zzzzzzzz.tmp"  # named alike, but holding a file no run writes
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine", encoding="utf-8")
    _run(tmp_path, "new", monkeypatch)
    assert not killed.exists()
    assert _names(foreign) == ["notes.txt"]
    drawn = ["index.html", "step-01.svg", "step-02.svg", "step-03.svg"]
    assert _names(tmp_path) == [".frames-zzzzzzzz.tmp", *drawn]


def test_a_walk_of_more_steps_than_max_frames_is_refused_before_anything_is_drawn(tmp_path: Path) -> None:
    x = Value(2.0, label="x")
    f = x * 2.0 * 3.0 * 4.0  # 3 steps
    with pytest.raises(frames.TooManyFramesError) as info:
        FrameWriter(f, tmp_path / "steps", max_frames=2)
    assert (info.value.frames, info.value.nodes, info.value.max_frames) == (3, 4, 2)
    assert str(info.value).startswith("FrameWriter: 3 frames of a 4-node graph, about ")
    assert str(info.value).endswith(
        "that is more than max_frames=2: draw a smaller graph, or pass max_frames=3 (None for no limit)"
    )
    assert list(tmp_path.iterdir()) == []
    assert frames.check_frame_count(f, 3) == 3
    assert frames.check_frame_count(f, None) == 3


_PROBE = """<!DOCTYPE html><html><body style="margin:0">
<iframe id="page" src="index.html#1" width="1200" height="900" style="border:0"></iframe>
<pre id="out"></pre>
<script>
document.getElementById("page").addEventListener("load", function () {
  var page = this.contentDocument, rows = [];
  setTimeout(function () {
    for (var k = 0; k < 3; k++) {
      var img = page.querySelector("section.frame:not([hidden]) img").getBoundingClientRect();
      rows.push([img.top, img.bottom, img.left, img.right].map(Math.round).join(" "));
      page.dispatchEvent(new KeyboardEvent("keydown", {key: "ArrowRight"}));
    }
    document.getElementById("out").textContent = rows.join("\\n");
  }, 100);
});
</script></body></html>"""


@pytest.mark.skipif(CHROMIUM is None, reason="needs a headless Chromium (apt-get install chromium)")
def test_at_1200_by_900_the_picture_fits_the_window_and_stays_still_between_steps(tmp_path: Path) -> None:
    big = '<svg xmlns="http://www.w3.org/2000/svg" width="1400" height="1100" viewBox="0 0 1400 1100"/>'
    frames = []
    for k, lines in enumerate([1, 4, 2], 1):  # the step's text grows and shrinks
        (tmp_path / f"step-0{k}.svg").write_text(big, encoding="utf-8")
        frames.append(Frame(f"step-0{k}.svg", f"caption {k}", "\n".join(f"line {j}" for j in range(lines))))
    write_page(tmp_path, "title", frames, "an introduction")
    (tmp_path / "probe.html").write_text(_PROBE, encoding="utf-8")
    assert CHROMIUM is not None
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--allow-file-access-from-files",
               "--virtual-time-budget=3000", "--dump-dom", (tmp_path / "probe.html").as_uri()]
    dom = subprocess.run(command, capture_output=True, text=True, timeout=120, check=True).stdout
    found = re.search(r'<pre id="out">([^<]*)</pre>', dom)
    assert found, dom[-2000:]
    assert found.group(1), dom[-2000:]
    boxes = [tuple(int(n) for n in row.split()) for row in found.group(1).splitlines()]
    assert len(boxes) == 3
    assert boxes[0] == boxes[1] == boxes[2]  # the same frame at every step: nothing jumps
    top, bottom, left, right = boxes[0]
    assert 0 < top < bottom <= 900  # all of it above the fold
    assert bottom - top >= 400  # and the room left for it, not a thumbnail
    assert 0 <= left < right <= 1200
