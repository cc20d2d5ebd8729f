"""The checkpoint summary of a torch-written file against what torch says about the model.

``tests/golden/checkpoints/summary_model.pt`` and ``checkpoint_summary_golden.npz`` come
from ``tests/golden/generate_checkpoint_summary.py`` (torch 2.13.0): a training checkpoint
holding a DataParallel state_dict of one layer of each recognised family, with an output
Linear tied to the embedding. No torch is needed here.
"""

import os

import numpy as np
import pytest

from nnx_tools import summarize_checkpoint

GOLDEN = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "golden")
# torch class -> the kind the keys give (BatchNorm1d/2d/3d share keys; a lone 2-d weight
# may be an Embedding or a bias-free Linear)
KIND_OF_CLASS = {"Embedding": "Linear/Embedding", "BatchNorm2d": "BatchNorm"}
# classes whose repr our description reproduces exactly (torch's extra_repr shows only
# non-default options, all of which the keys carry)
EXACT_REPR = ("LSTM", "GRU", "RNN", "GRUCell", "Linear")


@pytest.fixture(scope="module")
def golden():
    with np.load(os.path.join(GOLDEN, "checkpoint_summary_golden.npz")) as f:
        return {k: f[k] for k in f.files}


@pytest.fixture(scope="module")
def info():
    return summarize_checkpoint(os.path.join(GOLDEN, "checkpoints", "summary_model.pt"),
                                depth=1)


def test_totals_match_torch(golden, info):
    assert info.entry == "model_state_dict" and info.stripped_prefix == "module."
    assert info.other_entries == ("step",)
    assert info.total_params == int(golden["model/total_params"])    # tied weight once
    assert info.buffer_elements == int(golden["model/buffer_elements"])
    assert info.num_tensors == int(golden["model/tensors"]) and info.num_tied == 1


def test_each_module_matches_torch(golden, info):
    rows = {row["name"]: row for row in info.rows()}
    assert list(rows) == [str(c) for c in golden["model/children"]]
    for name, cls, params, buffers, text in zip(
            golden["model/children"], golden["model/classes"], golden["model/child_params"],
            golden["model/child_buffers"], golden["model/child_reprs"]):
        row, cls, text = rows[str(name)], str(cls), str(text)
        assert row["layer_type"] == KIND_OF_CLASS.get(cls, cls), name
        assert row["num_params"] == params and row["num_buffer_elements"] == buffers, name
        if cls in EXACT_REPR:
            assert row["description"] == text
        elif cls == "Embedding":
            assert row["description"].startswith(text + " or Linear(")
        elif cls in ("Conv2d", "ConvTranspose2d", "LayerNorm"):   # + stride / eps options
            assert text.startswith(row["description"][:-1] + ", ")
        elif cls == "BatchNorm2d":
            assert row["description"] == "BatchNorm(4)" and text.startswith("BatchNorm2d(4,")
