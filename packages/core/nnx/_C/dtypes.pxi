# nnx dtypes: torch's names, NumPy storage, torch's type-promotion lattice.
#
# Categories order the promotion: bool < integer < floating.  Within a category the
# wider type wins; uint8 with a signed integer widens to the next signed type that
# holds both (torch.promote_types).

cdef class dtype:
    """A tensor element type (``nnx.float32`` ...), mirroring ``torch.dtype``."""

    def __repr__(self):
        return "nnx." + self.name

    def __reduce__(self):
        return (_dtype_from_name, (self.name,))

    @property
    def is_complex(self):
        return False

    def to_real(self):
        return self

    def to_complex(self):
        raise RuntimeError(f"nnx has no complex dtypes (asked for the complex form of {self!r})")


cdef dtype _make_dtype(str name, str np_name, int category, bint signed):
    cdef dtype d = dtype.__new__(dtype)
    d.name = name
    d.np_dtype = _np.dtype(np_name)
    d.itemsize = d.np_dtype.itemsize
    d.category = category
    d.is_floating_point = category == CAT_FLOAT
    d.is_signed = signed
    return d


bool_ = _make_dtype("bool", "bool", CAT_BOOL, False)
uint8 = _make_dtype("uint8", "uint8", CAT_INT, False)
int8 = _make_dtype("int8", "int8", CAT_INT, True)
int16 = _make_dtype("int16", "int16", CAT_INT, True)
int32 = _make_dtype("int32", "int32", CAT_INT, True)
int64 = _make_dtype("int64", "int64", CAT_INT, True)
float16 = _make_dtype("float16", "float16", CAT_FLOAT, True)
float32 = _make_dtype("float32", "float32", CAT_FLOAT, True)
float64 = _make_dtype("float64", "float64", CAT_FLOAT, True)

ALL_DTYPES = (bool_, uint8, int8, int16, int32, int64, float16, float32, float64)
cdef dict _by_np = {d.np_dtype: d for d in ALL_DTYPES}
cdef dict _by_name = {d.name: d for d in ALL_DTYPES}
_by_name.update({"half": float16, "float": float32, "double": float64, "long": int64,
                 "int": int32, "short": int16, "char": int8, "byte": uint8})

# torch.get_default_dtype(): the dtype Python floats and float factories produce.
cdef dtype _default_float = float32


def _dtype_from_name(str name):
    return _by_name[name]


cdef dtype dtype_of_array(object arr):
    """The nnx dtype of a NumPy array (raises TypeError for types nnx lacks)."""
    cdef object d = _by_np.get(arr.dtype)
    if d is None:
        raise TypeError(f"nnx does not support arrays of NumPy dtype {arr.dtype}; "
                        "supported: bool, uint8, int8, int16, int32, int64, float16, float32, "
                        "float64")
    return <dtype>d


def to_dtype(object obj):
    """Resolve an nnx dtype, a NumPy dtype or a Python type to an nnx dtype."""
    if isinstance(obj, dtype):
        return obj
    if obj is float:
        return _default_float
    if obj is int:
        return int64
    if obj is bool:
        return bool_
    if isinstance(obj, str) and obj in _by_name:
        return _by_name[obj]
    try:
        d = _by_np.get(_np.dtype(obj))
    except TypeError:
        d = None
    if d is None:
        raise TypeError(f"cannot interpret {obj!r} as an nnx dtype")
    return d


def get_default_dtype():
    return _default_float


def set_default_dtype(d):
    global _default_float
    d = to_dtype(d)
    if not (<dtype>d).is_floating_point:
        raise TypeError(f"only floating-point types are supported as the default type, got {d!r}")
    _default_float = d


cdef dtype promote_types(dtype a, dtype b):
    """torch.promote_types for the nnx dtypes."""
    if a is b:
        return a
    if a.category != b.category:
        if a.category < b.category:
            a, b = b, a
        return a                      # the higher category keeps its own type
    if a.category == CAT_FLOAT or a.is_signed == b.is_signed:
        return a if a.itemsize >= b.itemsize else b
    # uint8 with a signed integer: the signed one if wider, else the next wider signed type
    if not a.is_signed:
        a, b = b, a
    if a.itemsize > b.itemsize:
        return a
    return int16 if a.itemsize == 1 else (int32 if a.itemsize == 2 else int64)


def _promote_types(a, b):
    return promote_types(to_dtype(a), to_dtype(b))


cdef dtype combine_categories(dtype higher, dtype lower):
    # torch/c10 combine_categories: a lower-priority operand (0-dim tensor, Python
    # scalar) only changes the result when it is of a higher category.
    if higher is None:
        return lower
    if lower is None:
        return higher
    if higher.category == CAT_FLOAT:
        return higher
    if higher.category == CAT_BOOL or lower.category > higher.category:
        return promote_types(higher, lower)
    return higher


cdef dtype scalar_dtype(object value):
    if isinstance(value, bool):
        return bool_
    if isinstance(value, int):
        return int64
    if isinstance(value, float):
        return _default_float
    return None
