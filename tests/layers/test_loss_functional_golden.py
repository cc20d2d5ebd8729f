"""nnx.nn.functional's losses against torch 2.13.0 on the cases of
tests/golden/loss_cases.py (fixture tests/golden/loss_golden.npz, written by
tests/golden/generate_loss.py): outputs, their dtypes and requires_grad, and the
gradient of every input torch differentiates (None where torch leaves None).
The replay is ``_golden_replay``'s."""

import pytest
from _golden_replay import (
    assert_covers,
    load_fixture,
    load_golden_module,
    replay_expression_case,
)

import nnx

loss_cases = load_golden_module("loss_cases", "loss_cases.py")
tolerance = load_golden_module("cases", "cases.py").tolerance


@pytest.fixture(scope="module")
def golden():
    return load_fixture("loss_golden.npz")


def test_fixture_covers_table(golden):
    assert_covers(golden, loss_cases.CASES_BY_NAME, "loss_golden.npz", "generate_loss.py")


@pytest.mark.parametrize("name", list(loss_cases.CASES_BY_NAME))
def test_loss_matches_torch(name, golden):
    # quiet: kl_div's 'mean' and the legacy size_average/reduce flags warn
    replay_expression_case(nnx, name, loss_cases.CASES_BY_NAME[name], golden, tolerance,
                           quiet=True)
