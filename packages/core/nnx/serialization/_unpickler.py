"""A restricted pickle machine: the subset of the pickle protocol a weights file needs.

Python's ``pickle.Unpickler`` resolves globals by importing them and calls whatever REDUCE
names; even with ``find_class`` overridden, its BUILD, APPEND and SETITEM dispatch on the
objects' own methods and its memo grows to any index a file names. This machine is written
out instead, so every effect is visible here:

- GLOBAL / STACK_GLOBAL resolve through ``find_global(module, name)`` (the caller's fixed
  table); nothing is imported.
- REDUCE and NEWOBJ call only objects that table returned (``Handler`` instances).
- APPEND(S) act on lists only, SETITEM(S) on dicts only, ADDITEMS on sets only, BUILD only
  through ``Handler.build`` of the caller's object types.
- Lengths are checked against the bytes left before anything is read; the memo is a dict.
- Protocol-0 text opcodes that no torch checkpoint uses (INST, OBJ, PERSID, EXT*) are
  refused, as is every unknown opcode.

Errors are raised as plain exceptions; ``nnx.load`` turns them into ``CheckpointError``.
"""

import io
import struct

_UNPACK_I = struct.Struct("<i").unpack
_UNPACK_BIG_D = struct.Struct(">d").unpack
_MAX_LONG_BYTES = 1 << 16     # a weights file has no 500 000-digit integers
_MAX_TEXT_LINE = 1 << 12


class PickleRefused(Exception):
    """The pickle asks for something outside the allowlist (raised with the reason)."""


def describe(value):
    """A short, cheap description of a value from a file (never a huge repr)."""
    if value is None or type(value) in (bool, float) or (
            type(value) is int and value.bit_length() < 128):
        return repr(value)
    if type(value) is str and len(value) <= 60:
        return repr(value)
    return f"a {type(value).__name__} object"


class Handler:
    """A callable a pickle may name: ``call(args)`` for REDUCE / NEWOBJ."""

    def __init__(self, qualified_name, call):
        self.qualified_name = qualified_name
        self.call = call

    def __repr__(self):
        return self.qualified_name


class _Mark:
    pass


class _Source:
    """Exact reads from a file object holding ``length`` more bytes of pickle stream."""

    def __init__(self, file, length):
        self._read = file.read
        self.left = length

    def read(self, n):
        if n < 0 or n > self.left:
            raise EOFError(f"pickle data truncated: {n} bytes wanted, {self.left} left")
        data = self._read(n)
        if len(data) != n:
            raise EOFError("pickle data truncated")
        self.left -= n
        return data

    def readline(self):
        chunk = bytearray()
        while True:
            byte = self.read(1)
            if byte == b"\n":
                return bytes(chunk)
            chunk += byte
            if len(chunk) > _MAX_TEXT_LINE:
                raise ValueError("pickle text line too long")


class RestrictedUnpickler:
    """Run one pickle from ``file`` (at most ``length`` bytes) and return its object.

    ``find_global(module, name)`` returns a ``Handler`` or a plain value, or raises
    ``PickleRefused``; ``persistent_load(pid)`` resolves BINPERSID; ``build(obj, state)``
    applies a BUILD (it refuses objects it does not know).
    """

    def __init__(self, file, length, *, find_global, persistent_load, build):
        self._src = _Source(file, length)
        self._find_global = find_global
        self._persistent_load = persistent_load
        self._build = build

    @property
    def bytes_left(self):
        return self._src.left

    def load(self):
        read = self._src.read
        stack = []
        marks = []
        memo = {}
        dispatch = _DISPATCH
        while True:
            code = read(1)
            op = dispatch.get(code)
            if op is None:
                raise PickleRefused(f"unsupported pickle opcode {code!r}")
            if op is _stop:
                if len(stack) != 1 or marks:
                    raise ValueError("pickle stack not empty at STOP")
                return stack[0]
            op(self, read, stack, marks, memo)


def _pop_mark(stack, marks):
    start = marks.pop()
    items = stack[start:]
    del stack[start:]
    return items


def _stop(self, read, stack, marks, memo):  # handled in load(); here for the table
    raise AssertionError


def _proto(self, read, stack, marks, memo):
    if read(1)[0] > 5:
        raise ValueError("unsupported pickle protocol")


def _frame(self, read, stack, marks, memo):
    read(8)  # frame length: a hint for buffering, nothing to check


def _mark(self, read, stack, marks, memo):
    marks.append(len(stack))


def _pop(self, read, stack, marks, memo):
    if marks and marks[-1] == len(stack):
        marks.pop()
    else:
        stack.pop()


def _pop_mark_op(self, read, stack, marks, memo):
    _pop_mark(stack, marks)


def _dup(self, read, stack, marks, memo):
    stack.append(stack[-1])


def _push(value):
    def op(self, read, stack, marks, memo):
        stack.append(value)
    return op


def _binint(self, read, stack, marks, memo):
    stack.append(_UNPACK_I(read(4))[0])


def _binint1(self, read, stack, marks, memo):
    stack.append(read(1)[0])


def _binint2(self, read, stack, marks, memo):
    stack.append(int.from_bytes(read(2), "little"))


def _long_n(width):
    def op(self, read, stack, marks, memo):
        n = int.from_bytes(read(width), "little", signed=True)
        if n < 0 or n > _MAX_LONG_BYTES:
            raise ValueError(f"LONG of {n} bytes")
        stack.append(int.from_bytes(read(n), "little", signed=True))
    return op


def _int_text(self, read, stack, marks, memo):
    line = self._src.readline()
    stack.append({b"00": False, b"01": True}.get(line) if line in (b"00", b"01") else int(line))


def _long_text(self, read, stack, marks, memo):
    stack.append(int(self._src.readline().rstrip(b"L")))


def _binfloat(self, read, stack, marks, memo):
    stack.append(_UNPACK_BIG_D(read(8))[0])


def _float_text(self, read, stack, marks, memo):
    stack.append(float(self._src.readline()))


def _sized(width, make, signed=False):
    """An opcode with a little-endian length of ``width`` bytes, then that many bytes."""
    def op(self, read, stack, marks, memo):
        n = int.from_bytes(read(width), "little", signed=signed)
        stack.append(make(read(n)))
    return op


def _utf8(data):
    return data.decode("utf-8", "surrogatepass")


def _empty(factory):
    def op(self, read, stack, marks, memo):
        stack.append(factory())
    return op


def _tuple(self, read, stack, marks, memo):
    stack.append(tuple(_pop_mark(stack, marks)))


def _tuple_n(n):
    def op(self, read, stack, marks, memo):
        if len(stack) < n or (marks and marks[-1] > len(stack) - n):
            raise ValueError("pickle stack underflow")
        items = tuple(stack[len(stack) - n:])
        del stack[len(stack) - n:]
        stack.append(items)
    return op


def _list(self, read, stack, marks, memo):
    stack.append(_pop_mark(stack, marks))


def _dict(self, read, stack, marks, memo):
    items = _pop_mark(stack, marks)
    if len(items) % 2:
        raise ValueError("odd number of items for DICT")
    stack.append(dict(zip(items[::2], items[1::2])))


def _frozenset(self, read, stack, marks, memo):
    stack.append(frozenset(_pop_mark(stack, marks)))


def _target(stack, kind, opname):
    target = stack[-1]
    if type(target) is not kind and not (kind is dict and isinstance(target, dict)):
        raise PickleRefused(f"{opname} on a {type(target).__name__} object")
    return target


def _append(self, read, stack, marks, memo):
    value = stack.pop()
    _target(stack, list, "APPEND").append(value)


def _appends(self, read, stack, marks, memo):
    items = _pop_mark(stack, marks)
    _target(stack, list, "APPENDS").extend(items)


def _setitem(self, read, stack, marks, memo):
    value = stack.pop()
    key = stack.pop()
    _target(stack, dict, "SETITEM")[key] = value


def _setitems(self, read, stack, marks, memo):
    items = _pop_mark(stack, marks)
    if len(items) % 2:
        raise ValueError("odd number of items for SETITEMS")
    target = _target(stack, dict, "SETITEMS")
    for i in range(0, len(items), 2):
        target[items[i]] = items[i + 1]


def _additems(self, read, stack, marks, memo):
    items = _pop_mark(stack, marks)
    _target(stack, set, "ADDITEMS").update(items)


def _global(self, read, stack, marks, memo):
    module = self._src.readline().decode("utf-8")
    name = self._src.readline().decode("utf-8")
    stack.append(self._find_global(module, name))


def _stack_global(self, read, stack, marks, memo):
    name = stack.pop()
    module = stack.pop()
    if type(module) is not str or type(name) is not str:
        raise PickleRefused("STACK_GLOBAL with non-string names")
    stack.append(self._find_global(module, name))


def _reduce(self, read, stack, marks, memo):
    args = stack.pop()
    func = stack[-1]
    if not isinstance(func, Handler):
        raise PickleRefused(f"REDUCE of {describe(func)}")
    if type(args) is not tuple:
        raise PickleRefused("REDUCE arguments are not a tuple")
    stack[-1] = func.call(args)


def _newobj(self, read, stack, marks, memo):
    args = stack.pop()
    cls = stack[-1]
    if not isinstance(cls, Handler) or type(args) is not tuple:
        raise PickleRefused(f"NEWOBJ of {describe(cls)}")
    stack[-1] = cls.call(args)


def _build(self, read, stack, marks, memo):
    state = stack.pop()
    self._build(stack[-1], state)


def _binpersid(self, read, stack, marks, memo):
    stack[-1] = self._persistent_load(stack[-1])


def _get(width):
    def op(self, read, stack, marks, memo):
        stack.append(memo[int.from_bytes(read(width), "little")])
    return op


def _get_text(self, read, stack, marks, memo):
    stack.append(memo[int(self._src.readline())])


def _put(width):
    def op(self, read, stack, marks, memo):
        memo[int.from_bytes(read(width), "little")] = stack[-1]
    return op


def _put_text(self, read, stack, marks, memo):
    memo[int(self._src.readline())] = stack[-1]


def _memoize(self, read, stack, marks, memo):
    memo[len(memo)] = stack[-1]


_DISPATCH = {
    b".": _stop, b"\x80": _proto, b"\x95": _frame,
    b"(": _mark, b"0": _pop, b"1": _pop_mark_op, b"2": _dup,
    b"N": _push(None), b"\x88": _push(True), b"\x89": _push(False),
    b"J": _binint, b"K": _binint1, b"M": _binint2, b"I": _int_text, b"L": _long_text,
    b"\x8a": _long_n(1), b"\x8b": _long_n(4),
    b"G": _binfloat, b"F": _float_text,
    b"X": _sized(4, _utf8), b"\x8c": _sized(1, _utf8), b"\x8d": _sized(8, _utf8),
    b"T": _sized(4, _utf8, signed=True), b"U": _sized(1, _utf8),
    b"B": _sized(4, bytes), b"C": _sized(1, bytes), b"\x8e": _sized(8, bytes),
    b"\x96": _sized(8, bytearray),
    b"}": _empty(dict), b"d": _dict, b"]": _empty(list), b"l": _list,
    b")": _empty(tuple), b"t": _tuple, b"\x85": _tuple_n(1), b"\x86": _tuple_n(2),
    b"\x87": _tuple_n(3), b"\x8f": _empty(set), b"\x90": _additems, b"\x91": _frozenset,
    b"a": _append, b"e": _appends, b"s": _setitem, b"u": _setitems,
    b"c": _global, b"\x93": _stack_global,
    b"R": _reduce, b"\x81": _newobj, b"b": _build, b"Q": _binpersid,
    b"h": _get(1), b"j": _get(4), b"g": _get_text,
    b"q": _put(1), b"r": _put(4), b"p": _put_text, b"\x94": _memoize,
}


def loads(data, **kwargs):
    """Run the pickle in ``data`` (bytes); ``kwargs`` as for ``RestrictedUnpickler``."""
    return RestrictedUnpickler(io.BytesIO(data), len(data), **kwargs).load()
