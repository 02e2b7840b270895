"""The documentation site: it builds with no warning, and nothing can fall out of it unnoticed.

Every notebook is in the gallery with every figure it draws, every public function and class is in
the API pages, every page's Python runs (or, where it needs a cluster, compiles and imports), and
headless Chromium renders the front page and a gallery page.
"""

import ast
import inspect
import pkgutil
import re
import subprocess
import sys
from importlib import import_module
from pathlib import Path

import pytest
from test_notebooks import FIGURES

ROOT = Path(__file__).parent.parent
DOCS = ROOT / "docs"
pytest.importorskip("sphinx")
pytest.importorskip("myst_parser")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The site built as `make docs` builds it: warnings are errors."""
    out = tmp_path_factory.mktemp("site") / "html"
    proc = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html", "-d", str(out.parent / "doctrees"), str(DOCS), str(out)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0 and "WARNING" not in proc.stderr, proc.stderr[-4000:]
    return out


def test_make_docs_builds_the_site_with_warnings_as_errors():
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^docs: .*\n\t\$\(BIN\)/sphinx-build -W --keep-going .* docs docs/_build/html$", makefile, flags=re.M)
    assert "make docs" in (ROOT / ".ci" / "run").read_text()


@pytest.mark.long
def test_every_notebook_is_in_the_gallery_with_every_figure_it_draws(site):
    index = (site / "gallery" / "index.html").read_text()
    for notebook, figures in FIGURES.items():
        page = site / "gallery" / f"{notebook}.html"
        assert page.is_file(), f"notebooks/{notebook}.py has no gallery page"
        assert f'href="{notebook}.html"' in index, f"the gallery index does not link to {notebook}"
        html = page.read_text()
        shown = re.findall(r'<img [^>]*src="\.\./_images/([^"]+)"', html)
        assert sorted(shown) == sorted(figures), (notebook, shown)
        for figure in figures:
            assert (site / "_images" / figure).stat().st_size > 5000, figure
        assert "notebooks/" + notebook + ".py" in html  # the page names its source


def public_objects() -> list[str]:
    """Every function and class a public module of neuromem defines (names without a leading _)."""
    import neuromem

    modules = ["neuromem"] + [m.name for m in pkgutil.walk_packages(neuromem.__path__, "neuromem.") if not any(p.startswith("_") for p in m.name.split("."))]
    names = []
    for name in modules:
        module = import_module(name)
        for attr, obj in vars(module).items():
            if not attr.startswith("_") and (inspect.isfunction(obj) or inspect.isclass(obj)) and obj.__module__ == name:
                names.append(f"{name}.{attr}")
    return names


@pytest.mark.long
def test_every_public_function_and_class_is_in_the_api_pages(site):
    from sphinx.util.inventory import InventoryFile

    with open(site / "objects.inv", "rb") as stream:
        inventory = InventoryFile.load(stream, "", lambda base, uri: uri)
    documented = {name for kind, entries in inventory.items() if kind.startswith("py:") for name in entries}
    objects = public_objects()
    assert len(objects) > 300  # the walk found the package, not an empty shell
    missing = [name for name in objects if name not in documented]
    assert missing == [], missing
    import neuromem

    for name in neuromem.__all__:  # the top-level names are documented where they are defined
        obj = getattr(neuromem, name)
        if callable(obj):
            assert f"{obj.__module__}.{obj.__qualname__}" in documented, name


def python_blocks(page: Path) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", page.read_text(), flags=re.S | re.M)


# pages whose Python is run whole by their own tests (tests/test_docs.py), with checks of what it gives
RUN_ELSEWHERE = {"add-a-task.md", "add-a-model.md", "add-a-benchmark.md", "states.md", "add-a-spiking-model.md", "add-an-artificial-model.md"}
# blocks that need what a test cannot have: a SLURM cluster, or a 5-minute sweep (tests/test_sweep.py runs the engine)
COMPILE_ONLY = {"sweeps.md"}


def test_every_pages_python_blocks_compile_and_their_imports_resolve():
    pages = sorted(DOCS.glob("*.md"))
    assert len(pages) >= 15
    for page in pages:
        for block in python_blocks(page):
            tree = ast.parse(block, filename=str(page))
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "neuromem":
                    module = import_module(node.module)
                    for alias in node.names:
                        assert hasattr(module, alias.name) or alias.name == "*", f"{page.name}: {node.module} has no {alias.name}"


@pytest.mark.parametrize("page", sorted(p.name for p in DOCS.glob("*.md") if python_blocks(p) and p.name not in RUN_ELSEWHERE | COMPILE_ONLY))
def test_every_pages_python_runs_as_written(page, tmp_path):
    script = tmp_path / "page.py"
    script.write_text("\n".join(python_blocks(DOCS / page)))
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, cwd=tmp_path, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]


@pytest.mark.long
def test_the_site_renders_in_headless_chromium(site, tmp_path):
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import screenshot_docs
    finally:
        sys.path.pop(0)
    if screenshot_docs.chromium() is None:
        pytest.skip("chromium is not installed (.ci/run installs Debian's package)")
    titles = screenshot_docs.screenshot(site, tmp_path)
    assert titles["front.png"].startswith("neuromem"), titles
    assert titles["gallery.png"].startswith("Working memory in a spiking bump attractor"), titles
    import matplotlib.image

    for name in titles:
        pixels = matplotlib.image.imread(tmp_path / name)
        assert pixels.shape[:2] == (900, 1280)
        # a rendered page has text and pictures: many distinct grey levels, not a blank or flat error page
        grey = (pixels[..., :3].mean(axis=2) * 255).astype(int)
        assert len(set(grey.ravel().tolist())) > 50 and grey.std() > 10, name


@pytest.mark.long
def test_every_experiment_and_parameter_is_on_the_experiments_page(site):
    from neuromem.experiments import get_experiment, list_experiments

    html = (site / "api" / "experiments.html").read_text()
    for name in list_experiments():
        assert f'<code class="docutils literal notranslate"><span class="pre">{name}</span></code>' in html, name
        for param in get_experiment(name).params:
            assert f'<span class="pre">{param.option}</span>' in html, (name, param.option)
    assert "29.99999" not in html  # defaults as a reader wants them
