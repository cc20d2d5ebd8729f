"""Module casts and device moves: ``to``, ``float/double/half``, ``type``, ``cpu/cuda``.

All go through ``_apply(fn)``, which keeps every Parameter object (its ``.data`` is
replaced, as torch does by default) so optimizers built before a cast still hold the
model's parameters.  Buffers are replaced by ``fn(buffer)``.
"""

from nnx import _backend
from nnx._C import _C
from nnx._ops.convert import parse_to
from nnx.autograd.grad_mode import no_grad


def _floating_only(cast):
    """``cast`` applied to floating tensors; integer and bool tensors pass unchanged."""
    return lambda t: cast(t) if t.is_floating_point() else t


def _no_backend(kind):
    raise RuntimeError(f"nnx has no {kind} backend: its devices are the CPU and CUDA GPUs")


class _CastMixin:
    def _apply(self, fn, recurse=True):
        """Replace every parameter's data, gradient's data and buffer by ``fn`` of it."""
        if recurse:
            for module in self.children():
                module._apply(fn)
        for param in self._parameters.values():
            if param is None:
                continue
            with no_grad():
                param.data = fn(param)
                if param.grad is not None:
                    param.grad.data = fn(param.grad)
        for key, buf in self._buffers.items():
            if buf is not None:
                self._buffers[key] = fn(buf)
        return self

    def to(self, *args, **kwargs):
        r"""Move and/or cast the parameters and buffers; returns self.

        ``to(device=None, dtype=None, non_blocking=False)``, ``to(dtype)``, ``to(tensor)``.
        Only floating parameters and buffers take ``dtype`` (integer buffers such as
        BatchNorm's ``num_batches_tracked`` keep theirs), and ``dtype`` must be floating.
        """
        device, dtype, _, _ = parse_to(*args, **kwargs)
        if dtype is not None:
            dtype = _C.to_dtype(dtype)
            if not dtype.is_floating_point:
                raise TypeError(
                    "nn.Module.to only accepts floating point or complex dtypes, but got "
                    f"desired dtype={dtype}"
                )
        if device is not None:
            _backend.check_cpu(device)
        if dtype is None:
            return self
        return self._apply(_floating_only(lambda t: t.to(dtype)))

    def cpu(self):
        r"""Move parameters and buffers to the CPU (where they already are); returns self."""
        return self._apply(lambda t: t.cpu())

    def cuda(self, device=None):
        r"""Move parameters and buffers to a GPU; raises until nnx's GPU backend exists."""
        return self._apply(lambda t: t.cuda(device))

    def ipu(self, device=None):
        return _no_backend("ipu")

    def xpu(self, device=None):
        return _no_backend("xpu")

    def mtia(self, device=None):
        return _no_backend("mtia")

    def type(self, dst_type):
        r"""Cast **all** parameters and buffers (integer ones too) to ``dst_type``."""
        return self._apply(lambda t: t.type(dst_type))

    def float(self):
        r"""Cast floating parameters and buffers to float32; returns self."""
        return self._apply(_floating_only(lambda t: t.float()))

    def double(self):
        r"""Cast floating parameters and buffers to float64; returns self."""
        return self._apply(_floating_only(lambda t: t.double()))

    def half(self):
        r"""Cast floating parameters and buffers to float16; returns self."""
        return self._apply(_floating_only(lambda t: t.half()))

    def bfloat16(self):
        raise TypeError("nnx has no bfloat16 dtype (NumPy has none); use half() or float()")

    def to_empty(self, *, device, recurse=True):
        r"""Replace parameters and buffers by uninitialised tensors on ``device``."""
        from nnx import empty_like

        return self._apply(lambda t: empty_like(t, device=device), recurse)
