"""The declarative case table behind nnx-layers' tests.

One ``Case`` per row: which layer, how to build it, what to feed it.  The family tables
(``cases_<family>.py`` next to this file, each a list ``CASES``) are read by two programs:

- ``tests/golden/generate_layers.py`` builds every case with torch 2.13.0 and records the
  module's state (parameters and buffers), inputs, outputs, gradients, repr and init
  statistics in ``tests/golden/layers_<family>.npz``;
- ``tests/layers/test_layer_cases.py`` rebuilds each case with nnx, loads the recorded state
  and checks state_dict keys/shapes/dtypes, repr, default-init statistics, outputs,
  gradients (input and parameter) and buffers after the forward passes against the fixture,
  then runs float64 gradcheck.

This module needs only the standard library, so both sides import it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

FLOAT_KINDS = ("randn", "rand", "uniform", "positive", "bernoulli", "const_float")


@dataclass(frozen=True)
class In:
    """One tensor argument, made the same way on both sides (the fixture stores it).

    kind:
        ``randn``     standard normal
        ``rand``      uniform on [0, 1)
        ``uniform``   uniform on [low, high)
        ``positive``  uniform on [0.5, 2)
        ``bernoulli`` 0.0 / 1.0 with probability ``high`` (default 0.5)
        ``randint``   integers on [low, high), dtype int64 unless ``dtype`` says otherwise
        ``const``     exactly ``value`` (nested lists), with ``dtype`` (default int64)
        ``const_float`` exactly ``value``, in the case's float dtype
    dtype: None means the case's dtype for the floating kinds.
    grad: None means True for the floating kinds, False otherwise.
    """

    shape: tuple = ()
    kind: str = "randn"
    low: float = 0.0
    high: float = 1.0
    value: object = None
    dtype: str | None = None
    grad: bool | None = None

    @property
    def is_float(self):
        return self.kind in FLOAT_KINDS and (self.dtype is None or "float" in self.dtype)

    @property
    def requires_grad(self):
        return self.is_float if self.grad is None else self.grad


@dataclass(frozen=True)
class Case:
    """One layer configuration.

    name:     unique across all tables; fixture keys start with it.
    cls:      the class name, the same in ``torch.nn`` and ``nnx.nn``.
    args, kwargs: constructor arguments; ``In`` values become tensors (``pos_weight``...).
    inputs:   positional forward arguments (``In`` specs, or plain Python values).
    forward_kwargs: keyword forward arguments (``In`` or plain).
    dtypes:   the module is built in each (``dtype=`` is *not* passed: the module is cast
              with ``.to(dtype)``, like a user's ``.double()``), floating inputs made in it.
    modes:    ``"train"`` and/or ``"eval"``: ``module.train()``/``.eval()`` before the passes.
    steps:    forward passes in a row with the same inputs (running statistics evolve);
              gradients are those of the last pass.
    gradcheck: run float64 gradcheck over the floating inputs and parameters (keep such
              cases small: every element costs two forward passes).
    golden:   False for layers whose output is random (dropout): their family tests check
              them; the fixture then holds only state, repr and init statistics.
    rtol, atol: override the per-dtype tolerances (float64 1e-10, float32 1e-5).
    """

    name: str
    cls: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    inputs: tuple = ()
    forward_kwargs: dict = field(default_factory=dict)
    dtypes: tuple = ("float64", "float32")
    modes: tuple = ("train",)
    steps: int = 1
    gradcheck: bool = True
    golden: bool = True
    rtol: float | None = None
    atol: float | None = None


def variants(case):
    """(dtype, mode) pairs a case runs in, in table order."""
    return [(dtype, mode) for dtype in case.dtypes for mode in case.modes]


def init_draws(numel):
    """Fresh modules whose values describe a parameter of ``numel`` elements' default init:
    enough for about 2000 values (so that min and max approach the distribution's range),
    8 to 100. The generator and the runner draw the same number."""
    return min(100, max(8, -(-2000 // max(numel, 1))))
