"""The functionals behind the activation, distance and linear layers against torch 2.13.0:
outputs, output dtypes and gradients recorded in ``tests/golden/act_dist_golden.npz`` by
``tests/golden/generate_act_dist.py`` (case table ``tests/golden/cases_act_dist.py``).
This test never imports torch; the replay is ``_golden_replay``'s."""

import pytest
from _golden_replay import (
    assert_covers,
    load_fixture,
    load_golden_module,
    replay_expression_case,
)

import nnx as lib

table = load_golden_module("_nnx_golden_cases_act_dist", "cases_act_dist.py")


@pytest.fixture(scope="module")
def golden():
    return load_fixture("act_dist_golden.npz")


def test_fixture_covers_table(golden):
    assert_covers(golden, [c.name for c in table.CASES], "act_dist_golden.npz",
                  "generate_act_dist.py")


@pytest.mark.parametrize("name", [c.name for c in table.CASES])
def test_matches_torch(name, golden):
    # none_grads=False: pairwise_distance(p=0) gives zero gradients where torch leaves
    # them None (the one case that differs; the values themselves match)
    replay_expression_case(lib, name, table.CASES_BY_NAME[name], golden, table.tolerance,
                           none_grads=False)
