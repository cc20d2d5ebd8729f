"""Grad-mode switches: ``no_grad``, ``enable_grad``, ``set_grad_enabled``, ``inference_mode``.

Each works as a context manager and as a decorator (including on generator functions),
like torch's.
"""

import functools
import inspect

from nnx._C import _C

is_grad_enabled = _C.is_grad_enabled


class _GradModeContext:
    """Base: enter sets the mode, exit restores the previous one."""

    _mode = True

    def __enter__(self):
        self._previous = _C._set_grad_enabled(self._mode)
        return None

    def __exit__(self, exc_type, exc, tb):
        _C._set_grad_enabled(self._previous)
        return False

    def clone(self):
        return type(self)()

    def __call__(self, func):
        if inspect.isgeneratorfunction(func):

            @functools.wraps(func)
            def generator(*args, **kwargs):
                gen = func(*args, **kwargs)
                with self.clone():
                    response = gen.send(None)
                while True:
                    try:
                        request = yield response
                    except GeneratorExit:
                        with self.clone():
                            gen.close()
                        raise
                    except BaseException as exc:
                        with self.clone():
                            response = gen.throw(exc)
                    else:
                        with self.clone():
                            try:
                                response = gen.send(request)
                            except StopIteration as stop:
                                return stop.value

            return generator

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self.clone():
                return func(*args, **kwargs)

        return wrapper


class no_grad(_GradModeContext):
    """Disable gradient recording inside the block (or the decorated function)."""

    _mode = False

    def __init__(self, orig_func=None):
        if orig_func is not None:
            raise TypeError("no_grad takes no positional arguments; use @no_grad() or @no_grad")

    def __new__(cls, orig_func=None):
        if orig_func is not None and callable(orig_func):
            return cls()(orig_func)  # bare @no_grad
        return super().__new__(cls)


class enable_grad(_GradModeContext):
    """Enable gradient recording inside the block (or the decorated function)."""

    _mode = True

    def __new__(cls, orig_func=None):
        if orig_func is not None and callable(orig_func):
            return cls()(orig_func)
        return super().__new__(cls)

    def __init__(self, orig_func=None):
        pass


class set_grad_enabled(_GradModeContext):
    """Set grad mode now (as a function) or for a block (as a context manager)."""

    def __init__(self, mode):
        self._mode = bool(mode)
        self._previous = _C._set_grad_enabled(self._mode)

    def __enter__(self):
        return None

    def __call__(self, func):
        # Used as a decorator: construction already switched the mode; switch it back,
        # the wrapped function sets it on each call.
        _C._set_grad_enabled(self._previous)
        return super().__call__(func)

    def clone(self):
        return set_grad_enabled(self._mode)


class inference_mode(_GradModeContext):
    """Like no_grad (nnx has no separate inference tensors)."""

    def __new__(cls, mode=True):
        if callable(mode) and not isinstance(mode, bool):
            return cls()(mode)
        return super().__new__(cls)

    def __init__(self, mode=True):
        if callable(mode) and not isinstance(mode, bool):
            mode = True
        self._mode = not mode

    def clone(self):
        return inference_mode(not self._mode)
