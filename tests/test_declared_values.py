"""Every declared value through its one check, drawn by Hypothesis from the declarations (issue 28).

Each experiment parameter (:class:`neuromem.experiments.declare.Param`) and each card parameter
(its card value declares kind, dimension, sign and magnitude) gets valid and invalid values; the
contract: invalid -> ``ValueError`` (CLI: exit 2) with one line naming the parameter, before any file
is written; valid -> accepted as given. The default run draws a few examples per parameter; the
``slow`` profile many more (``pytest -m slow tests/test_declared_values.py``).
"""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from neuromem.cards import OVERRIDE_FACTOR, card_parameters, list_models, load_card
from neuromem.cli import main
from neuromem.experiments import EXPERIMENTS
from neuromem.experiments.benchmark import BENCHMARK
from neuromem.experiments.declare import Param
from neuromem.units import measure

EXAMPLES = 10
QUICK = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
LONG = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

ALL_EXPERIMENTS = [EXPERIMENTS.get(n) for n in EXPERIMENTS.names()] + [BENCHMARK]  # `neuromem benchmark` is declared, not registered
PARAMS = [(e, p) for e in ALL_EXPERIMENTS for p in e.params]


def _ids(pairs):
    return [f"{e.name}.{p.name}" for e, p in pairs]


# ---------------------------------------------------------------- strategies from a declaration
def _valid_item(p: Param) -> st.SearchStrategy:
    if p.choices is not None:
        return st.sampled_from(list(p.choices))
    if p.type is int:
        low = int(p.minimum) + (1 if p.exclusive_minimum else 0) if p.minimum is not None else -(10**6)
        high = int(p.maximum) if p.maximum is not None else low + 10**6
        return st.integers(low, high)
    if p.type is float:
        low = p.minimum if p.minimum is not None else -1e6
        high = p.maximum if p.maximum is not None else low + 1e6
        return st.floats(low, high, exclude_min=p.exclusive_minimum, allow_nan=False)
    return st.text(min_size=1, max_size=8)


def _valid(p: Param) -> st.SearchStrategy:
    if p.flag:
        return st.booleans()
    if p.many:
        return st.lists(_valid_item(p), min_size=1, max_size=4, unique=p.unique)
    return _valid_item(p)


def _invalid_item(p: Param) -> st.SearchStrategy:
    wrong = [st.just(True), st.just([1]), st.just({"a": 1})]
    if p.type in (int, float):
        wrong += [st.just("1"), st.just(float("nan")), st.just(float("inf")), st.just(-float("inf"))]
        if p.minimum is not None:
            edge = p.minimum if p.exclusive_minimum else p.minimum - (1 if p.type is int else 1e-9 * max(1.0, abs(p.minimum)))
            wrong.append(st.integers(-(10**9), math.floor(edge)) if p.type is int else st.floats(-1e12, edge, allow_nan=False))
        if p.maximum is not None:
            wrong.append(st.integers(int(p.maximum) + 1, 10**30) if p.type is int else st.floats(p.maximum * (1 + 1e-9) + 1e-9, 1e300))
    if p.type is int:
        wrong.append(st.floats(0.1, 1e6).filter(lambda x: not x.is_integer()))
    if p.type is str:
        wrong.append(st.integers())
    if p.choices is not None:
        wrong.append(st.text(min_size=1, max_size=8).filter(lambda t: t not in p.choices))
    return st.one_of(wrong)


def _invalid(p: Param) -> st.SearchStrategy:
    if p.flag:
        return st.sampled_from([1, "yes", None, [True]])
    if p.many:
        # a string is never taken letter by letter; an empty list; one bad item among good ones
        wrong = [st.just("0.5"), st.just([]), st.tuples(st.lists(_valid_item(p), max_size=2), _invalid_item(p)).map(lambda t: [*t[0], t[1]])]
        if p.unique:  # a value given twice
            wrong.append(st.lists(_valid_item(p), min_size=1, max_size=3).map(lambda v: [*v, v[0]]))
        return st.one_of(wrong)
    return _invalid_item(p)


# ---------------------------------------------------------------- the contract
def _refused_in_one_line(p: Param, value) -> str:
    with pytest.raises(ValueError) as caught:
        p.check(value)
    text = str(caught.value)
    assert "\n" not in text and text.startswith(f"{p.name}="), text
    return text


def _check_valid(p: Param, value) -> None:
    checked = p.check(value)
    if p.many:
        assert checked == list(value)
    elif p.type is float:
        assert checked == float(value)
    else:
        assert checked == value


def _one_valid_one_invalid(param: Param, data) -> None:
    _check_valid(param, data.draw(_valid(param), label="valid"))
    _refused_in_one_line(param, data.draw(_invalid(param), label="invalid"))


@pytest.mark.parametrize("experiment, param", PARAMS, ids=_ids(PARAMS))
@QUICK
@given(data=st.data())
def test_every_declared_parameter_accepts_valid_and_refuses_invalid_values(experiment, param, data):
    _one_valid_one_invalid(param, data)


@pytest.mark.slow
@pytest.mark.parametrize("experiment, param", PARAMS, ids=_ids(PARAMS))
@LONG
@given(data=st.data())
def test_every_declared_parameter_longer_profile(experiment, param, data):
    _one_valid_one_invalid(param, data)


NUMERIC_CLI = [(e, p) for e, p in PARAMS if p.type in (int, float) and not p.flag and (p.minimum is not None or p.maximum is not None)]


def _exit_code(argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as stop:  # argparse's own errors (a value that is not a number)
        return stop.code


def _cli_args(experiment) -> list[str]:
    return [experiment.name] if experiment.name in ("fit", "benchmark") else ["run", experiment.name]


@pytest.mark.parametrize("experiment, param", NUMERIC_CLI, ids=_ids(NUMERIC_CLI))
@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_an_invalid_number_on_the_command_line_exits_2_naming_it_before_any_file(experiment, param, data, tmp_path, capsys):
    value = data.draw(st.one_of(_invalid_item(param).filter(lambda v: isinstance(v, (int, float)) and not isinstance(v, bool))), label="value")
    out = tmp_path / f"out{data.draw(st.integers(0, 10**9))}"
    text = [repr(value) if isinstance(value, float) and math.isfinite(value) else str(value)]
    if isinstance(value, float) and param.type is int:
        text = [str(value)]
    capsys.readouterr()  # one example's output at a time
    assert _exit_code([*_cli_args(experiment), param.option, *text, "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and (f"{param.name}=" in err or f"argument {param.option}" in err), err
    assert not out.exists()


# ---------------------------------------------------------------- card parameters
def _card_numbers() -> list[tuple[str, str, object]]:
    rows = []
    for model in list_models():
        for key, value in load_card(model).parameters.items():
            if isinstance(value, bool):
                continue
            if isinstance(value, (int, float)) or (isinstance(value, str) and measure(value) is not None):
                rows.append((model, key, value))
    return rows


CARD_NUMBERS = _card_numbers()


def _card_valid(reference) -> st.SearchStrategy:
    if isinstance(reference, str):
        number, unit = reference.split()
        magnitude = abs(float(number))
        low = 0.0 if float(number) > 0 else -OVERRIDE_FACTOR * magnitude
        high = OVERRIDE_FACTOR * magnitude if magnitude else 1e6
        return st.floats(low, high, allow_nan=False).map(lambda x: f"{x!r} {unit}")
    magnitude = abs(reference)
    low = 0 if reference > 0 else -OVERRIDE_FACTOR * magnitude
    high = OVERRIDE_FACTOR * magnitude if magnitude else 1e6
    if isinstance(reference, int):
        return st.integers(math.ceil(low), math.floor(high))
    return st.floats(low, high, allow_nan=False)


def _card_invalid(reference) -> st.SearchStrategy:
    wrong = [st.just(True), st.just(None), st.just([1.0])]
    if isinstance(reference, str):
        number, unit = reference.split()
        wrong += [st.floats(allow_nan=False).map(lambda x: x), st.just(f"{number} furlong"), st.just("nan ms"), st.just(f"1e400 {unit}")]
        if float(number) > 0:
            wrong.append(st.floats(1e-3, 1e6).map(lambda x: f"-{x!r} {unit}"))
        return st.one_of(wrong)
    wrong += [st.just(float("nan")), st.just(float("inf")), st.just("1"), st.just(f"{reference} ms")]
    if reference > 0:
        wrong.append(st.floats(-1e6, -1e-6))
        wrong.append(st.floats(OVERRIDE_FACTOR * reference * 1.001 + 1, 1e308))
    if isinstance(reference, int):
        wrong.append(st.just(reference + 0.5))
    return st.one_of(wrong)


@pytest.mark.parametrize("model, key, reference", CARD_NUMBERS, ids=[f"{m}.{k}" for m, k, _ in CARD_NUMBERS])
@settings(max_examples=5, deadline=None)
@given(data=st.data())
def test_every_card_parameter_override_is_checked_from_the_card(model, key, reference, data):
    card = load_card(model)
    good = data.draw(_card_valid(reference), label="valid")
    assert card_parameters(card, {key: good})[key] == good
    bad = data.draw(_card_invalid(reference), label="invalid")
    with pytest.raises(ValueError) as caught:
        card_parameters(card, {key: bad})
    text = str(caught.value)
    assert "\n" not in text and f"parameter {key}=" in text and f"model {model!r}" in text, text


def test_load_model_checks_overrides_as_the_cli_does():
    pytest.importorskip("brian2")
    from neuromem.cards import load_model

    for bad in (float("nan"), float("inf"), 1e308, True, -1):
        with pytest.raises(ValueError, match="parameter J_plus="):
            load_model("compte2000", J_plus=bad)


# ---------------------------------------------------------------- a valid value runs
@settings(max_examples=4, deadline=None)
@given(
    trials=st.integers(1, 3),
    length=st.integers(2, 8),
    conditions=st.lists(st.sampled_from(["immediate", "delayed", "continual"]), min_size=1, max_size=3, unique=True),
    seed=st.integers(0, 2**63 - 1),
)
def test_valid_values_run_at_a_tiny_size(trials, length, conditions, seed):
    written = EXPERIMENTS.get("free-recall")(trials=trials, list_lengths=[length], n_items=20, conditions=conditions, seed=seed, out=None, quiet=True)
    ds = written["trials"][0]
    assert ds.sizes["trial"] == trials * len(conditions)
    assert json.loads(ds.attrs["experiment_parameters"])["seed"] == seed


# ---------------------------------------------------------------- sweeps: every point before any store
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(axis=st.sampled_from(["trials", "delays", "J_plus", "size", "model", "tau_NMDA_decay"]), data=st.data())
def test_a_sweep_with_any_invalid_point_stops_before_its_store_exists(axis, data, tmp_path):
    pytest.importorskip("zarr")
    from neuromem.sweep import Sweep, run_sweep

    bad = {
        "trials": st.sampled_from([0, 1.5, -3, True, "4"]),
        "delays": st.sampled_from([[-1.0], [float("nan")], "0.5", [1e12]]),
        "J_plus": st.sampled_from([float("inf"), 1e308, True, -1.0, "1.6 nS"]),
        "size": st.sampled_from(["tiny", 3]),
        "model": st.sampled_from(["cmr", "no_such_model", "lstm"]),
        "tau_NMDA_decay": st.sampled_from(["100 mV", 0.1, "-5 ms"]),
    }[axis]
    good = {"trials": 2, "delays": [0.5], "J_plus": 1.6, "size": "scaled", "model": "compte2000", "tau_NMDA_decay": "90 ms"}[axis]
    out = tmp_path / f"s{data.draw(st.integers(0, 10**9))}.zarr"
    with pytest.raises(ValueError, match=r"^sweep: ") as caught:
        run_sweep(Sweep("working-memory", {axis: [good, data.draw(bad)]}, fixed={"trials": 1} if axis != "trials" else {}), out, workers=1)
    assert "\n" not in str(caught.value)
    assert not out.exists()
