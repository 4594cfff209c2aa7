"""The examples of the README and docs/ run as a user runs them: a script in another directory.

Each page's ```python blocks run in order as one script, in an empty directory, by this
interpreter with the package installed (no PYTHONPATH), as a user's own script would.

Each ``print(...)  # OUTPUT`` comment in an example is what that line prints (up to two spaces and
a parenthesis, where the comment explains); a comment starting "or " or "e.g." is not an output.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
DOCS = ROOT / "docs"


def python_blocks(path: Path) -> list[str]:
    """The ```python blocks of a markdown file, in order."""
    return re.findall(r"```python\n(.*?)```", path.read_text(encoding="utf-8"), re.S)


def expected_outputs(code: str) -> list[str]:
    """What the ``print(...)  # OUTPUT`` lines of ``code`` say they print."""
    outputs = []
    for line in code.splitlines():
        match = re.match(r"\s*print\(.*\)\s+# (.*)", line)
        if match and not match.group(1).startswith(("or ", "e.g.")):
            outputs.append(match.group(1).split("  (")[0].strip())
    return outputs


def run_script(code: str, cwd: Path) -> str:
    """Run ``code`` as a file in ``cwd`` (then any ``test_*`` function it defines); its stdout."""
    script = cwd / "example.py"
    calls = [f"{name}()" for name in re.findall(r"^def (test_\w+)\(", code, re.M)]
    script.write_text(code + "\n" + "\n".join(calls) + "\n", encoding="utf-8")
    done = subprocess.run([sys.executable, str(script)], cwd=cwd, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_readme_has_the_examples_it_promises() -> None:
    text = "\n".join(python_blocks(README))
    for use in ["backward()", "draw(z)", "backward_steps(", "gradcheck(", "from demos.seed import",
                "autograd.compile("]:
        assert use in text
    assert len(README.read_text(encoding="utf-8").splitlines()) <= 150


def test_readme_links_to_every_docs_page_and_each_exists() -> None:
    text = README.read_text(encoding="utf-8")
    linked = set(re.findall(r"\]\((docs/[\w.-]+\.md)", text))
    assert linked == {f"docs/{p.name}" for p in DOCS.glob("*.md") if not p.name.startswith("NOTES")}
    for target in re.findall(r"\]\(([\w/.-]+)(?:#[\w-]+)?\)", text):
        assert (ROOT / target).exists(), target


def test_docs_pages_link_to_pages_that_exist() -> None:
    for page in DOCS.glob("*.md"):
        for target in re.findall(r"\]\(([\w/.-]+\.(?:md|svg|ipynb))(?:#[\w-]+)?\)", page.read_text("utf-8")):
            assert (page.parent / target).exists(), f"{page.name} links to {target}"


# docs/NOTES-*.md: helpers' notes waiting to be folded into the pages, not pages themselves
PAGES = [page for page in [README, *sorted(DOCS.glob("*.md"))]
         if python_blocks(page) and not page.name.startswith("NOTES")]
COMPILED = [page for page in PAGES if any("autograd.compile(" in block for block in python_blocks(page))]


@pytest.mark.renderer
@pytest.mark.parametrize("page", [pytest.param(p, marks=pytest.mark.compiler) if "compile" in p.read_text(
    encoding="utf-8") else p for p in PAGES], ids=lambda p: p.name)
def test_examples_run_from_another_directory(page: Path, tmp_path: Path) -> None:
    code = "\n".join(python_blocks(page))
    out = run_script(code, tmp_path)
    for expected in expected_outputs(code):
        assert expected in out


@pytest.mark.compiler  # it runs the README's examples, the compiled one among them
def test_readme_drawing_example_writes_its_svg(tmp_path: Path) -> None:
    run_script("\n".join(python_blocks(README)), tmp_path)
    assert (tmp_path / "z.svg").read_text(encoding="utf-8").lstrip().startswith(("<?xml", "<svg"))


@pytest.mark.compiler
@pytest.mark.parametrize("page", COMPILED, ids=lambda p: p.name)
def test_compiled_path_examples_print_the_generated_derivative_code(page: Path, tmp_path: Path) -> None:
    out = run_script("\n".join(python_blocks(page)), tmp_path)
    assert "d_" in out  # step.source: the generated derivative code
