"""Anomaly detection (torch.autograd.detect_anomaly / set_detect_anomaly).

When enabled, every recorded node keeps the stack of the forward call that created
it; a failing backward warns with that stack, and (with ``check_nan``) a backward
that produces NaN raises naming the node.
"""

from nnx._C import _C


class detect_anomaly:
    """Context manager enabling anomaly detection for the block."""

    def __init__(self, check_nan=True):
        self.check_nan = check_nan

    def __enter__(self):
        self._previous = _C._set_anomaly_enabled(True, self.check_nan)

    def __exit__(self, *exc):
        _C._set_anomaly_enabled(*self._previous)
        return False


class set_detect_anomaly:
    """Set anomaly detection on or off now; also usable as a context manager."""

    def __init__(self, mode, check_nan=True):
        self._previous = _C._set_anomaly_enabled(bool(mode), check_nan)

    def __enter__(self):
        return None

    def __exit__(self, *exc):
        _C._set_anomaly_enabled(*self._previous)
        return False


is_anomaly_enabled = _C.is_anomaly_enabled
is_anomaly_check_nan_enabled = _C.is_anomaly_check_nan_enabled
