"""``nnx.Size`` and ``nnx.device``: the small value types around tensors."""


class Size(tuple):
    """A tensor shape: a tuple of ints, printed as ``nnx.Size([2, 3])``."""

    def __repr__(self):
        return f"nnx.Size({list(self)!r})"

    def numel(self):
        n = 1
        for s in self:
            n *= s
        return n

    def __getitem__(self, item):
        result = tuple.__getitem__(self, item)
        return Size(result) if isinstance(item, slice) else result

    def __add__(self, other):
        return Size(tuple.__add__(self, tuple(other)))

    def __reduce__(self):
        return (Size, (tuple(self),))


class device:
    """Where a tensor lives: ``nnx.device('cpu')`` (``'cuda'`` once a GPU backend exists)."""

    __slots__ = ("type", "index")

    def __init__(self, type_or_device="cpu", index=None):
        if isinstance(type_or_device, device):
            type_, index = type_or_device.type, type_or_device.index
        elif isinstance(type_or_device, int):
            type_, index = "cuda", type_or_device
        else:
            text = str(type_or_device)
            type_, _, idx = text.partition(":")
            if idx:
                if index is not None:
                    raise RuntimeError(
                        f"type (string) must not include an index because index was "
                        f"passed explicitly: {text}"
                    )
                index = int(idx)
            if type_ not in ("cpu", "cuda", "meta"):
                raise RuntimeError(
                    f"Expected one of cpu, cuda, meta device type at start of device string: {text}"
                )
        object.__setattr__(self, "type", type_)
        object.__setattr__(self, "index", index)

    def __setattr__(self, name, value):
        raise AttributeError("nnx.device is immutable")

    def __repr__(self):
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other):
        if isinstance(other, str):
            other = device(other)
        if not isinstance(other, device):
            return NotImplemented
        return self.type == other.type and self.index == other.index

    def __hash__(self):
        return hash((self.type, self.index))

    def __reduce__(self):
        return (device, (self.type, self.index))


CPU = device("cpu")
