"""Same seed, same Dataset, whatever this process built before.

Brian2 runs the objects of one schedule slot in the order of their names, and a name
Brian2 makes up (``poissoninput_12``) depends on how many such objects the process
has made: two noise sources could swap their turn at the random generator from one
build to the next ("poissoninput_10" sorts before "poissoninput_9"). Every network of
a card therefore names its objects or gives ties distinct orders.
"""

import pytest

import neuromem
from neuromem.cards import list_models, load_card, model_class
from neuromem.spiking.base import SpikingModel
from neuromem.tasks import get_task

SPIKING_NETWORKS = [name for name in list_models() if load_card(name).family == "spiking" and issubclass(model_class(name), SpikingModel)]


@pytest.mark.parametrize("name", SPIKING_NETWORKS)
def test_every_network_keeps_its_schedule_from_build_to_build(name):
    import brian2 as b2

    b2.prefs.codegen.target = "numpy"
    model = neuromem.load_model(name, device="runtime")
    q = model._validated()
    trials = get_task(load_card(name).tasks[0]).trials(2, 0)
    model._check_trials(q, trials)
    schedules = []
    for _ in range(2):
        setup, _children = model._streams(1, 1)
        net = model._build(q, trials, 1, float(trials["trial_end"].max()), setup)["net"]
        # names Brian2 makes up carry a counter; strip it to compare the objects' kinds, then check the order
        schedules.append([(obj.when, obj.order, obj.name.rstrip("0123456789_"), obj.name) for obj in net.sorted_objects])
    assert [s[:3] for s in schedules[0]] == [s[:3] for s in schedules[1]]
    # objects that tie in a slot are ordered by name: no two of them may differ only by a counter
    ties: dict[tuple, list[str]] = {}
    for when, order, base, _ in schedules[1]:
        ties.setdefault((when, order), []).append(base)
    assert all(len(bases) == len(set(bases)) for bases in ties.values()), ties
