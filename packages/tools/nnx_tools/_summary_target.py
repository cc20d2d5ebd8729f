"""What an ``nnx-summary`` TARGET names: a checkpoint file, or a model to build.

    path/to/model.py:Net            a class, factory or Module instance in a Python file
    package.module:build_model      the same in an importable module (``Outer.inner`` works)
    weights.pt / .pth / .bin / .safetensors / .npz    a checkpoint, summarised from its keys
"""

import contextlib
import importlib
import importlib.util
import inspect
import os
import sys

CHECKPOINT_EXTENSIONS = (".pt", ".pth", ".bin", ".safetensors", ".npz")


class TargetError(Exception):
    """A TARGET that names nothing usable; ``exit_code`` 2 for a malformed spec, 1 for one
    that names something missing or unusable."""

    def __init__(self, message, exit_code=1):
        super().__init__(message)
        self.exit_code = exit_code


def is_checkpoint(target):
    """Whether ``target`` names a checkpoint file (by its extension)."""
    return os.path.splitext(target)[1].lower() in CHECKPOINT_EXTENSIONS


def split_target(target):
    """``'a/b.py:Net'`` -> ``('a/b.py', 'Net')``; raises TargetError (exit 2) on bad specs."""
    spec, colon, attribute = target.rpartition(":")
    if not colon or not spec or not attribute:
        hint = f" (name the model: {target}:ClassName)" if target.endswith(".py") else ""
        raise TargetError(f"TARGET {target!r} is neither file.py:Name, package.module:Name "
                          f"nor a checkpoint (.pt, .pth, .bin, .safetensors, .npz){hint}", 2)
    if not all(part.isidentifier() for part in attribute.split(".")):
        raise TargetError(f"TARGET {target!r}: {attribute!r} is not a Python name", 2)
    return spec, attribute


def _is_file_spec(spec):
    return spec.endswith(".py") or os.sep in spec or "/" in spec


@contextlib.contextmanager
def folder_on_path(folder):
    """``folder`` first on ``sys.path`` for the block (so a model file's sibling imports work),
    removed afterwards."""
    sys.path.insert(0, folder)
    try:
        yield
    finally:
        with contextlib.suppress(ValueError):
            sys.path.remove(folder)


def load_file_module(path):
    """Execute the Python file ``path`` as a fresh module (not registered under a name
    another import could find) and return it. A file whose relative imports
    (``from .blocks import Block``) need its package is imported as that package's module
    instead, as ``python -m package.module`` would."""
    if os.path.isdir(path):
        raise TargetError(f"{path} is a directory: name a Python file in it "
                          "(dir/models.py:Net) or a module (package.module:Net)")
    if not os.path.isfile(path):
        raise TargetError(f"No such file or directory: {path}")
    try:
        return _execute_file(path)
    except ImportError as exc:
        if "no known parent package" not in str(exc):
            raise
        dotted, root = package_module_name(path)
        if dotted is None:
            raise TargetError(f"{path} uses relative imports, but its folder is not a "
                              "package (no __init__.py next to it)") from exc
    return _import_package_file(dotted, root, path)


def _execute_file(path):
    stem = os.path.splitext(os.path.basename(path))[0]
    name = f"_nnx_summary_target_{stem}" if stem.isidentifier() else "_nnx_summary_target"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise TargetError(f"cannot load {path} as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module            # dataclasses and pickling look their module up
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module


def package_module_name(path):
    """``('pkg.sub.models', '/src')`` for ``/src/pkg/sub/models.py`` when ``pkg`` and ``sub``
    hold an ``__init__.py`` (the folder to import it from is ``/src``); ``(None, None)`` for
    a file outside any package."""
    folder, filename = os.path.split(os.path.abspath(path))
    parts = [os.path.splitext(filename)[0]]
    while (os.path.isfile(os.path.join(folder, "__init__.py"))
           and os.path.basename(folder).isidentifier()):
        folder, package = os.path.split(folder)
        parts.insert(0, package)
    if len(parts) == 1 or not parts[-1].isidentifier():
        return None, None
    return ".".join(parts), folder


def _import_package_file(dotted, root, path):
    with folder_on_path(root):
        module = import_module(dotted)
    loaded = getattr(module, "__file__", None)
    if not loaded or not os.path.samefile(loaded, path):
        raise TargetError(f"{path} is the module {dotted!r} of a package, but that name "
                          f"imports {loaded or 'a built-in module'}: run from another folder "
                          f"or name it as {dotted}:Name")
    return module


def import_module(dotted):
    """``importlib.import_module``; a missing module (not a failing import inside it) is a
    TargetError."""
    try:
        return importlib.import_module(dotted)
    except ModuleNotFoundError as exc:
        if exc.name and (dotted == exc.name or dotted.startswith(exc.name + ".")):
            raise TargetError(f"no module named {exc.name!r} (from TARGET "
                              f"{dotted!r}; is it installed or on PYTHONPATH?)") from exc
        raise


def resolve(module, attribute, where):
    """``module.Outer.inner`` for ``attribute`` ``'Outer.inner'``."""
    obj = module
    for part in attribute.split("."):
        if not hasattr(obj, part):
            known = sorted(n for n in dir(obj) if not n.startswith("_"))[:12]
            raise TargetError(f"{where} has no attribute {part!r}"
                              + (f" (it has: {', '.join(known)})" if known else ""))
        obj = getattr(obj, part)
    return obj


def build_model(obj, name, kwargs):
    """The Module ``obj`` names: an instance as is, a class or factory called with
    ``kwargs``."""
    import nnx.nn

    if isinstance(obj, nnx.nn.Module):
        if kwargs:
            raise TargetError(f"{name} is already a Module instance; --kwargs does not apply")
        return obj
    if not callable(obj):
        raise TargetError(f"{name} is an object of type {type(obj).__name__}, not an "
                          "nnx.nn.Module, a Module class or a factory")
    if inspect.isclass(obj) and not issubclass(obj, nnx.nn.Module):
        raise TargetError(f"{name} is the class {obj.__qualname__}, not an nnx.nn.Module "
                          "subclass")
    _check_arguments(obj, name, kwargs)
    model = obj(**kwargs)
    if not isinstance(model, nnx.nn.Module):
        raise TargetError(f"{name}({'...' if kwargs else ''}) returned an object of type "
                          f"{type(model).__name__}, not an nnx.nn.Module")
    return model


def _check_arguments(obj, name, kwargs):
    """``kwargs`` fit the signature of the class or factory ``obj`` (checked apart from the
    call: a TypeError raised inside ``__init__`` is the model's own error)."""
    try:
        signature = inspect.signature(obj)
    except (TypeError, ValueError):           # no signature to check: the call will tell
        return
    try:
        signature.bind(**kwargs)
    except TypeError as exc:
        shown = ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
        notes = [f"it takes: {', '.join(signature.parameters) or 'nothing'}"]
        if not kwargs:
            notes.append("--kwargs '{\"name\": value}' gives them")
        raise TargetError(f"building {name}({shown}) failed: {exc} ({'; '.join(notes)})") \
            from exc


def search_folder(target):
    """The folder to put on ``sys.path`` while a model TARGET is built and run: a model
    file's own folder (its sibling imports), else the working directory (as ``python -m``
    would)."""
    spec = target.rpartition(":")[0]
    if spec and _is_file_spec(spec):
        return os.path.dirname(os.path.abspath(spec))
    return os.getcwd()


def load_target(target):
    """Import what ``target`` names (run it inside ``folder_on_path(search_folder(target))``)
    and return that object."""
    spec, attribute = split_target(target)
    if _is_file_spec(spec):
        return resolve(load_file_module(os.path.abspath(spec)), attribute, spec)
    return resolve(import_module(spec), attribute, f"module {spec!r}")

