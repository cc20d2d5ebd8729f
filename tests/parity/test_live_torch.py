"""nnx against live torch==2.13.0 on fresh random inputs (run by ``nox -s parity``).

Every case of the golden table (tests/golden/cases.py) is evaluated by torch on inputs
drawn with new seeds, and nnx must give the same outputs, dtypes and gradients; the
committed fixture covers the same table with fixed inputs for runs without torch.
"""

import importlib.util
import pathlib
import sys

import pytest
import torch

TESTS = pathlib.Path(__file__).resolve().parents[1]


def _load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


cases = _load("cases", TESTS / "golden" / "cases.py")
generate = _load("golden_generate", TESTS / "golden" / "generate.py")
golden_test = _load("golden_test", TESTS / "core" / "test_golden.py")

pytestmark = pytest.mark.parity


@pytest.fixture(autouse=True)
def _one_thread():
    torch.set_num_threads(1)


@pytest.mark.parametrize("salt", ["parity-1", "parity-2"])
@pytest.mark.parametrize("name", [c.name for c in cases.CASES])
def test_matches_live_torch(name, salt, monkeypatch):
    monkeypatch.setattr(cases, "SALT", salt)
    entries = generate.run_case(torch, cases.CASES_BY_NAME[name])
    golden_test.check_case(name, entries)
