"""``nnx.nn.<Name>`` finds the layers of nnx-layers lazily, and says what to install when
nnx-layers is missing; every layer nnx-layers lists exists and is covered by a case table."""

from __future__ import annotations

import glob
import importlib
import os
import subprocess
import sys

import pytest

import nnx.nn as nn
import nnx_layers
from nnx.nn._layer_names import TORCH_LAYER_NAMES

HERE = os.path.dirname(os.path.abspath(__file__))
# layers whose values are checked by their own golden generator rather than the table
OWN_GOLDEN = {"RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"}


@pytest.mark.parametrize("name", nnx_layers.__all__)
def test_every_listed_layer_is_a_module_reachable_from_nnx_nn(name):
    cls = getattr(nn, name)
    assert cls is getattr(nnx_layers, name)
    assert isinstance(cls, type) and issubclass(cls, nn.Module)
    assert cls.__name__ == name
    assert name in TORCH_LAYER_NAMES, f"{name} is not a torch.nn layer name"


def test_from_import_and_dir():
    from nnx.nn import Linear  # PEP 562 __getattr__ serves from-imports too

    assert Linear is nnx_layers.Linear
    assert "Conv2d" in dir(nn) and "Module" in dir(nn)


def test_unknown_names_are_plain_attribute_errors():
    with pytest.raises(AttributeError, match="module 'nnx.nn' has no attribute 'Lineer'"):
        nn.Lineer  # noqa: B018
    assert not hasattr(nn, "Lineer")


def test_a_layer_without_nnx_layers_names_the_package_to_install():
    """In a fresh interpreter where ``import nnx_layers`` fails."""
    code = (
        "import sys; sys.modules['nnx_layers'] = None\n"
        "import nnx.nn as nn\n"
        "try:\n"
        "    nn.Linear\n"
        "except AttributeError as exc:\n"
        "    print(exc)\n"
        "print(hasattr(nn, 'Conv2d'), nn.Module.__name__)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.splitlines()
    assert out[0] == ("nnx.nn.Linear is a layer of the nnx-layers package, which is not "
                      "installed; install it with `pip install nnx-layers` (in an nnx clone: "
                      "`pip install packages/layers`)")
    assert out[1] == "False Module"


def test_every_layer_has_a_row_in_a_case_table():
    covered = set()
    for path in glob.glob(os.path.join(HERE, "cases_*.py")):
        module = importlib.import_module(os.path.basename(path)[:-3])
        covered.update(case.cls for case in module.CASES)
    missing = sorted(set(nnx_layers.__all__) - covered - OWN_GOLDEN)
    assert not missing, f"layers with no row in any tests/layers/cases_*.py: {missing}"
