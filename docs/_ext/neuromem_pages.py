"""Pages the site generates from the code itself, so they cannot fall behind it.

- ``gallery/``: one page per notebook in ``notebooks/`` (its Markdown cells as text, its code cells
  as code, each figure it saves shown after the cell that saves it), and an index of thumbnails.
  The figures are the PNGs in ``docs/_static/gallery/``, drawn by ``neuromem figures --quick``;
  a figure a notebook saves that is not there fails the build (a warning, and warnings are errors).
- ``api/``: one page per public module of ``neuromem`` (autodoc of everything it defines).
"""

from __future__ import annotations

import pkgutil
import re
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parents[2]
FIGURE = re.compile(r"""savefig\(\s*figures\s*/\s*["']([\w.-]+\.png)["']""")


def public_modules() -> list[str]:
    """Every importable module of neuromem whose dotted name has no private part."""
    import neuromem

    names = [m.name for m in pkgutil.walk_packages(neuromem.__path__, "neuromem.")]
    return ["neuromem", *sorted(n for n in names if not any(p.startswith("_") for p in n.split(".")))]


QUICK_NOTE = (
    "```{{note}}\nThe figures on this page were drawn from the small results `neuromem figures --quick` makes "
    "(a few trials or lists per condition, short fits that may not have learned), not from the runs the commands "
    "above describe: they show the layout, not the published-size numbers, which the text and the science pages give. "
    "Source: `notebooks/{name}`; redraw it from your own results with `neuromem figures --only {stem}`.\n```"
)


def notebook_cells(path: Path) -> list[tuple[str, str]]:
    """A jupytext percent-format script as (kind, text) cells, the YAML header dropped."""
    text = re.sub(r"\A# ---\n(?:#.*\n)*?# ---\n", "", path.read_text())
    cells = []
    for chunk in re.split(r"^# %%", text, flags=re.M)[1:]:
        head, _, body = chunk.partition("\n")
        if "[markdown]" in head:
            lines = [re.sub(r"^# ?", "", line) for line in body.rstrip().splitlines()]
            # "needs: a, b" tells `neuromem figures` the run order; it is not prose for a reader
            lines = [line for line in lines if not line.startswith("needs:")]
            cells.append(("markdown", "\n".join(lines).strip()))
        elif body.strip():
            cells.append(("code", body.strip("\n")))
    return cells


def notebook_figures(path: Path) -> list[str]:
    """The PNG files a notebook saves, in the order it saves them."""
    return FIGURE.findall(path.read_text())


def notebook_title(cells: list[tuple[str, str]], name: str) -> str:
    for kind, text in cells:
        match = re.search(r"^# (.+)$", text, flags=re.M) if kind == "markdown" else None
        if match:
            return match.group(1).strip()
    return name


def gallery_page(path: Path, figure_dir: Path) -> str:
    """One notebook as a MyST page, each figure after the cell that saves it."""
    cells = notebook_cells(path)
    out = []
    for i, (kind, text) in enumerate(cells):
        if kind == "markdown":
            out.append(text if i else text + "\n\n" + QUICK_NOTE.format(name=path.name, stem=path.stem))
            continue
        out.append(f"```python\n{text}\n```")
        for figure in FIGURE.findall(text):
            if not (figure_dir / figure).is_file():
                logger.warning(f"gallery: notebooks/{path.name} saves {figure}, which is not in docs/_static/gallery/")
            out.append(f"![{figure}](../_static/gallery/{figure})")
    return "\n\n".join(out) + "\n"


def write_if_changed(path: Path, text: str) -> None:
    # an unchanged page keeps its time stamp, so Sphinx does not rebuild it
    if not path.is_file() or path.read_text() != text:
        path.write_text(text)


def write_gallery(srcdir: Path) -> None:
    notebooks = sorted((ROOT / "notebooks").glob("*.py"))
    out = srcdir / "gallery"
    out.mkdir(exist_ok=True)
    figure_dir = srcdir / "_static" / "gallery"
    cards = []
    for path in notebooks:
        write_if_changed(out / f"{path.stem}.md", gallery_page(path, figure_dir))
        title = notebook_title(notebook_cells(path), path.stem)
        figures = notebook_figures(path)
        thumb = f"```{{image}} ../_static/gallery/{figures[0]}\n:width: 360px\n:alt: {title}\n:target: {path.stem}.html\n```" if figures else ""
        cards.append(f"## [{title}]({path.stem}.md)\n\n{thumb}\n")
    index = (
        "# Gallery\n\n"
        "Every notebook in `notebooks/`, with the figures it draws. The notebooks only load saved "
        "results and draw; the figures here were drawn from the small results that "
        "`neuromem figures --quick` makes (20-40 trials or lists per condition, short fits), so they "
        "show each figure's layout and the effects at that size. They were made with the first "
        "command below; the second draws them from your own results:\n\n"
        "```bash\nneuromem figures --quick --jobs 2 --results quick_results/ --out docs/_static/gallery/\n"
        "neuromem figures --results results/ --out figures/\n```\n\n"
        "```{toctree}\n:hidden:\n\n" + "\n".join(p.stem for p in notebooks) + "\n```\n\n" + "\n".join(cards)
    )
    write_if_changed(out / "index.md", index)


def exported(module: str) -> list[str]:
    """Links to what a package re-exports (its ``__all__``), each to where it is documented."""
    from importlib import import_module

    mod = import_module(module)
    links = []
    for name in getattr(mod, "__all__", []):
        obj = getattr(mod, name, None)
        home = getattr(obj, "__module__", None)
        if home and home.startswith("neuromem") and hasattr(obj, "__qualname__") and not name.startswith("_"):
            links.append(f"- {{py:obj}}`{module}.{name} <{home}.{obj.__qualname__}>`")
    return links


def module_page(module: str, modules: list[str]) -> str:
    """A module's page: its autodoc, and for a package what it re-exports and its submodules."""
    page = f"# `{module}`\n\n```{{eval-rst}}\n.. automodule:: {module}\n   :members:\n   :undoc-members:\n   :ignore-module-all:\n   :show-inheritance:\n```\n"
    links = exported(module)
    if links:
        page += "\n## Re-exported here\n\n" + "\n".join(links) + "\n"
    children = [m for m in modules if m.rpartition(".")[0] == module]
    if children:
        page += "\n## Submodules\n\n```{toctree}\n:maxdepth: 1\n\n" + "\n".join(children) + "\n```\n"
    return page


def experiments_page() -> str:
    """Every registered experiment with its parameters, from their one declaration (``Param``)."""
    from neuromem.experiments import get_experiment, list_experiments

    parts = [
        "# Experiments and their parameters\n\n"
        "Every experiment, as `neuromem run NAME` (or `neuromem fit`) runs it and as Python calls it: "
        "`neuromem.experiments.get_experiment(NAME)(**parameters)`; the built-ins are also "
        "`neuromem.experiments.working_memory`, `free_recall`, `multi_item_recall`, `retention` and `stdp`. "
        "Each parameter is declared once; the command line, Python, sweeps and TOML files are all checked "
        "against this declaration before any work starts.\n"
    ]
    for name in list_experiments():
        exp = get_experiment(name)
        rows = ["| option | type | default | units | allowed | what it is |", "| --- | --- | --- | --- | --- | --- |"]
        for p in exp.params:
            kind = "switch" if p.flag else getattr(p.type, "__name__", str(p.type)) + (" (one or more)" if p.many else "")
            allowed = _cell(p.allowed())
            default = "" if p.default is None or p.flag else f"`{p.shown_default()}`"
            rows.append(f"| `{p.option}` | {kind} | {default} | {p.units} | {allowed} | {_cell(p.help)} |")
        parts.append(f"## `{name}`\n\n{_cell(exp.summary)}\n\n" + "\n".join(rows) + "\n")
    return "\n".join(parts)


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def write_api(srcdir: Path) -> None:
    out = srcdir / "api"
    out.mkdir(exist_ok=True)
    modules = public_modules()
    for module in modules:
        write_if_changed(out / f"{module}.md", module_page(module, modules))
    write_if_changed(out / "experiments.md", experiments_page())
    top = [m for m in modules if m.count(".") == 1]
    index = (
        "# API reference\n\nEvery public module, generated from its docstrings. The names most users "
        "need are at the top level: {py:func}`neuromem.load_model <neuromem.cards.load_model>`, "
        "{py:func}`neuromem.get_task <neuromem.tasks.get_task>`, {py:func}`neuromem.benchmark`, "
        "{py:func}`neuromem.score`; the experiments and every parameter they take are on "
        "[their own page](experiments.md).\n\n"
        "```{toctree}\n:maxdepth: 1\n\nexperiments\nneuromem\n" + "\n".join(top) + "\n```\n"
    )
    write_if_changed(out / "index.md", index)


def generate(app: Sphinx) -> None:
    srcdir = Path(app.srcdir)
    write_gallery(srcdir)
    write_api(srcdir)


def setup(app: Sphinx) -> dict:
    app.connect("builder-inited", generate)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
