#!/usr/bin/env python
"""Generate (or check) ``torch_nn_api.json``: the call signatures of torch 2.13.0's layers
and functional ops, which ``tests/layers/test_layer_signatures.py`` compares nnx with.

Usage (needs torch==2.13.0):

    python tests/golden/generate_api.py           # (re)write tests/golden/torch_nn_api.json
    python tests/golden/generate_api.py --check   # compare live torch with the committed file

For every ``torch.nn`` Module subclass: the parameters of ``__init__`` and ``forward``; for
every public function of ``torch.nn.functional``: its parameters (null for C builtins,
which have no signature). A parameter is
``[name, kind, default]`` with ``kind`` as ``inspect.Parameter.kind``'s name and ``default``
the repr of the default (``"<required>"`` when there is none). Annotations are left out.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import generate as _generate  # noqa: E402  (the torch version check)

DEFAULT_OUT = os.path.join(HERE, "torch_nn_api.json")
REQUIRED = "<required>"


def parameters(fn) -> list | None:
    """``[name, kind, default repr]`` per parameter of ``fn`` (None if it has no signature).

    torch's ``boolean_dispatch`` wrappers (``max_pool2d``...) take ``*args, **kwargs``; the
    documented signature is their ``if_false`` branch's, which nnx follows.
    """
    code = getattr(fn, "__code__", None)
    if code is not None and code.co_freevars[-2:] == ("if_false", "if_true"):
        cells = dict(zip(fn.__code__.co_freevars, fn.__closure__))
        fn = cells["if_false"].cell_contents
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):
        return None
    return [[p.name, p.kind.name, default_repr(p.default)]
            for p in signature.parameters.values()]


def default_repr(value) -> str:
    """repr of a default; a function by its qualified name (its repr has an address)."""
    if value is inspect.Parameter.empty:
        return REQUIRED
    if inspect.isroutine(value):
        return f"<function {value.__qualname__}>"
    return repr(value)


def collect(torch) -> dict:
    layers = {}
    for name in sorted(dir(torch.nn)):
        obj = getattr(torch.nn, name)
        if (isinstance(obj, type) and issubclass(obj, torch.nn.Module)
                and obj.__module__.startswith("torch.nn.modules") and not name.startswith("_")):
            layers[name] = {"init": parameters(obj.__init__), "forward": parameters(obj.forward)}
    functional = {}
    F = torch.nn.functional
    for name in sorted(dir(F)):
        obj = getattr(F, name)
        if name.startswith("_") or not callable(obj) or isinstance(obj, type):
            continue
        # C builtins (conv2d, avg_pool2d, gelu...) have no signature: recorded as null,
        # so that the name is known to exist
        functional[name] = parameters(obj)
    return {"torch_version": torch.__version__, "layers": layers, "functional": functional}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true",
                    help="compare live torch with the committed file")
    ap.add_argument("--out", default=DEFAULT_OUT)
    args = ap.parse_args(argv)
    torch = _generate._import_torch()
    fresh = json.dumps(collect(torch), indent=1, sort_keys=True) + "\n"
    if args.check:
        with open(args.out, encoding="utf-8") as f:
            if f.read() != fresh:
                print(f"FAIL: {args.out} differs from torch {torch.__version__}'s signatures")
                return 1
        print(f"OK: {args.out} matches torch {torch.__version__}")
        return 0
    tmp = args.out + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(fresh)
    os.replace(tmp, args.out)
    print(f"wrote {args.out} ({len(fresh) // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
