"""No import runs back up the layers, and the model families are blind to one another.

Every module of ``neuromem/`` is parsed (imports inside functions included, since a
lazy import is an arrow all the same) and mapped to its layer, bottom up:

0. primitives and data: validation, units, results, registry, circular, interrupts,
   outputs, _version, and ``reference`` (the published human/animal data as Datasets:
   it imports only ``results``, and models as well as analyses read it, e.g. the
   spiking plasticity protocols replay Pfister & Gerstner's protocols from it);
1. the contracts models are built to: ``tasks`` (trials, scores, encodings; they never
   aggregate), ``cards`` (imports only registry and units; every model family reads its
   card, and it loads implementations by name through importlib, not by an import) and
   ``runner`` (task -> model.run -> score; imports only tasks, results and validation,
   and the artificial models' fitting and forgetting protocols use it);
2. models: ``spiking``, ``artificial``, ``cognitive``, ``peers`` (blind to one another);
3. ``analysis`` (metrics on Datasets, the per-task summaries, ``compare``);
4. ``benchmarks`` (task + human data + metric + ceiling);
5. ``experiments``, ``sweep``, ``checks`` (runs every registered thing through the
   experiments and benchmarks), ``figures``;
6. the CLI and the package facade ``neuromem/__init__.py`` (it imports the registries).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent / "neuromem"

LAYERS: dict[str, int] = {
    "neuromem._version": 0,
    "neuromem.validation": 0,
    "neuromem.units": 0,
    "neuromem.results": 0,
    "neuromem.registry": 0,
    "neuromem.circular": 0,
    "neuromem.interrupts": 0,
    "neuromem.outputs": 0,
    "neuromem.reference": 0,
    "neuromem.tasks": 1,
    "neuromem.cards": 1,
    "neuromem.runner": 1,
    "neuromem.spiking": 2,
    "neuromem.artificial": 2,
    "neuromem.cognitive": 2,
    "neuromem.peers": 2,
    "neuromem.analysis": 3,
    "neuromem.benchmarks": 4,
    "neuromem.experiments": 5,
    "neuromem.sweep": 5,
    "neuromem.checks": 5,
    "neuromem.figures": 5,
    "neuromem.cli": 6,
    "neuromem": 6,
}
#: model families: none imports another
FAMILIES = ("neuromem.spiking", "neuromem.artificial", "neuromem.cognitive", "neuromem.peers")

#: known exceptions, (importing module, imported module) -> why it stays for now. Any other upward
#: or cross-family import fails the test.
ALLOWED: dict[tuple[str, str], str] = {
    ("neuromem.results", "neuromem.sweep.store"): (
        "results.load opens a sweep store lazily so one loader reads both kinds of result; sweep.store itself "
        "imports nothing of neuromem, but importing it runs neuromem.sweep's __init__ (engine, experiments). "
        "Moving the store below results is a change of its own"
    ),
    ("neuromem.benchmarks.table", "neuromem.experiments.fit"): (
        "the benchmark table fits an artificial model that has no fitted weights yet with the fit experiment; "
        "the fitting step belongs in neuromem.artificial or the table in experiments, a change of its own"
    ),
    ("neuromem.peers.cymr_cmr", "neuromem.cognitive.base"): (
        "cymr's CMR (a peer implementation of neuromem's cognitive CMR) is read out by the cognitive family's recall "
        "read-out, so that both implementations give the same responses and are scored by the same code"
    ),
    ("neuromem.peers.cymr_cmr", "neuromem.cognitive.cmr"): "as above: the peer uses the cognitive CMR's drift rate, to run the same model",
}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path) -> set[str]:
    """Every neuromem module ``path`` imports, at any depth of its code; ``from X import name`` counts as
    ``X.name`` where that is a module (``from neuromem import interrupts``), else as ``X``."""
    here = module_name(path)
    return imports_in(path.read_text(), here if path.name == "__init__.py" else here.rpartition(".")[0], str(path))


def imports_in(source: str, package: str, filename: str = "<probe>") -> set[str]:
    """The neuromem modules ``source`` (a module of ``package``) imports."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            for alias in node.names:
                sub = f"{module}.{alias.name}"
                out.add(sub if is_module(sub) else module)
    return {m for m in out if m == "neuromem" or m.startswith("neuromem.")}


def is_module(name: str) -> bool:
    rel = Path(*name.split("."))
    return (PACKAGE.parent / rel).with_suffix(".py").is_file() or (PACKAGE.parent / rel / "__init__.py").is_file()


def prefix(name: str, table) -> str:
    """The longest key of ``table`` that is ``name`` or a package above it."""
    keys = [k for k in table if name == k or name.startswith(k + ".")]
    if not keys:
        raise AssertionError(f"module {name} has no layer in tests/test_layers.py: give it one")
    return max(keys, key=len)


def layer(name: str) -> int:
    return LAYERS[prefix(name, LAYERS)]


def family(name: str) -> str | None:
    return next((f for f in FAMILIES if name == f or name.startswith(f + ".")), None)


def edges() -> list[tuple[str, str]]:
    return sorted({(module_name(p), m) for p in PACKAGE.rglob("*.py") for m in imported(p)})


def violations() -> list[tuple[str, str, str]]:
    bad = []
    for src, dst in edges():
        if layer(dst) > layer(src):
            bad.append((src, dst, f"layer {layer(src)} imports layer {layer(dst)}"))
        elif family(src) and family(dst) and family(src) != family(dst):
            bad.append((src, dst, f"model family {family(src)} imports {family(dst)}"))
    return bad


def test_every_module_has_a_layer_and_the_scan_sees_lazy_imports():
    for path in PACKAGE.rglob("*.py"):
        layer(module_name(path))
    found = set(edges())
    # a lazy import inside a function is seen, and `from neuromem import x` is the module x
    assert ("neuromem.experiments.builtin", "neuromem.analysis.summaries") in found
    assert ("neuromem.spiking.devices", "neuromem.interrupts") in found


def test_no_module_imports_from_a_higher_layer_or_another_model_family():
    bad = [(s, d, why) for s, d, why in violations() if (s, d) not in ALLOWED]
    assert not bad, "upward or cross-family imports:\n" + "\n".join(f"  {s} -> {d}: {why}" for s, d, why in bad)


def test_every_allowed_exception_still_exists():
    """An exception that was fixed leaves the list, so it cannot come back unnoticed."""
    stale = set(ALLOWED) - {(s, d) for s, d, _ in violations()}
    assert not stale, f"fixed, remove from ALLOWED: {sorted(stale)}"


def test_tasks_do_not_aggregate_or_read_human_data():
    """Tasks import nothing of neuromem but their own modules and the layer below (reference, though
    it is data at layer 0, is read by the analyses that set people beside models, never by a task)."""
    for src, dst in edges():
        if src.startswith("neuromem.tasks"):
            assert layer(dst) <= 1 and not dst.startswith("neuromem.reference"), f"{src} imports {dst}"
            assert not dst.startswith(("neuromem.cards", "neuromem.runner")), f"{src} imports {dst}"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from neuromem.analysis.compare import compare\n", "neuromem.analysis.compare"),
        ("def f():\n    from neuromem.reference import load_reference\n", "neuromem.reference"),
        ("class A:\n    def f(self):\n        import neuromem.analysis.forgetting as f\n", "neuromem.analysis.forgetting"),
        ("from neuromem import interrupts\n", "neuromem.interrupts"),
        ("from neuromem import __version__\n", "neuromem"),
        ("from . import encoding\n", "neuromem.tasks.encoding"),
        ("from ..analysis import summaries\n", "neuromem.analysis.summaries"),
    ],
)
def test_the_scan_resolves_each_form_of_import(source, expected):
    assert imports_in(source, "neuromem.tasks") == {expected}


def test_a_new_upward_import_would_fail():
    """What the issue was about: a task importing an analysis or human data lazily, inside a method."""
    source = "class T:\n    def summarize(self, ds):\n        from neuromem.analysis.free_recall import free_recall_summary\n"
    (dst,) = imports_in(source, "neuromem.tasks")
    assert layer(dst) > layer("neuromem.tasks.free_recall")
