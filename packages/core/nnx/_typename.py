"""``nnx.typename``: the type name torch prints in its error messages."""

from nnx._C import _C


def typename(obj):
    """The legacy tensor type (``'nnx.FloatTensor'``) for tensors, else ``module.QualName``
    (just ``'int'`` for builtins), as torch.typename spells it."""
    if isinstance(obj, _C.TensorBase):
        return obj.type()
    module = getattr(obj, "__module__", "") or ""
    if hasattr(obj, "__qualname__"):
        qualname = obj.__qualname__
    elif hasattr(obj, "__name__"):
        qualname = obj.__name__
    else:
        module = type(obj).__module__ or ""
        qualname = type(obj).__qualname__
    if module in ("", "builtins"):
        return qualname
    return f"{module}.{qualname}"
