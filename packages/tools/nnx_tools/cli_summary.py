"""``nnx-summary``: a torchinfo-style summary of a model, or of a checkpoint without its code.

    nnx-summary models.py:Net --input-size 2,3,32,32
    nnx-summary mypkg.models:build_lstm --kwargs '{"hidden": 64}' \\
        --input-size 5,2,300 --col-names input_size output_size num_params mult_adds
    nnx-summary weights.safetensors --depth 2 --format markdown --output weights.md

Mistakes (a missing file, a bad TARGET, an unknown attribute, a bad --input-size, a
malformed checkpoint, a forward pass that fails at the given size...) print ONE line,
``nnx-summary: error: ...``, and exit with status 2 (bad command line) or 1 (everything
else); ``--debug`` shows the traceback instead.
"""

import argparse
import contextlib
import json
import os
import sys
import tempfile
import zipfile

from nnx_tools import _summary_target as _target

PROG = "nnx-summary"
COLUMNS = ("input_size", "output_size", "num_params", "params_percent", "kernel_size",
           "groups", "mult_adds", "trainable")
DTYPE_NAMES = ("float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8",
               "bool", "half", "float", "double", "short", "int", "long")

EXAMPLES = """\
TARGET is one of:
  path/to/file.py:Name        a Module class, a factory or a Module instance in a file
  package.module:Name         the same in an importable module (the working directory
                              is searched too); Name may be dotted (Outer.build)
  file.pt|.pth|.bin|.safetensors|.npz
                              a checkpoint: its module tree from the tensor names,
                              with layer types recognised from the keys (no model code)

examples:
  nnx-summary models.py:Net --input-size 2,3,32,32
  nnx-summary models.py:TextModel --input-size 4,20 --dtypes int64 --depth 2
  nnx-summary mypkg.nets:build --kwargs '{"hidden": 64}' --input-size 5,2,300 \\
      --col-names input_size output_size num_params mult_adds
  nnx-summary models.py:Siamese --input-size 2,16 --input-size 2,16
  nnx-summary models.py:Net                      # no input: layers and parameters only
  nnx-summary ckpt.pth --key state_dict --depth 2
  nnx-summary model.safetensors --format json --output summary.json

exit status: 0 success, 1 error (missing file, failing forward pass...), 2 bad usage
"""


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        """One line (no usage dump), status 2."""
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


class UsageError(Exception):
    """A bad option value found after parsing: exit status 2."""

    exit_code = 2


def _parser():
    parser = _Parser(
        prog=PROG, formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EXAMPLES,
        description="Summarise an nnx model (torchinfo's table: shapes, parameters,\n"
                    "mult-adds, memory) or a checkpoint file (its module tree, shapes, dtypes\n"
                    "and parameter counts, read without running any of its code).")
    parser.add_argument("target", metavar="TARGET", help="file.py:Name, package.module:Name "
                        "or a checkpoint file (see below)")
    model = parser.add_argument_group("models")
    model.add_argument("--input-size", action="append", metavar="SHAPE", default=None,
                       help="an input shape incl. the batch, e.g. 2,3,32,32 (give it once "
                            "per forward argument); without it: no forward pass")
    model.add_argument("--dtypes", nargs="+", metavar="DTYPE",
                       help=f"one dtype per input ({', '.join(DTYPE_NAMES[:9])}...), "
                            "or one for all (int64,float32 works too); default float32")
    model.add_argument("--batch-dim", type=int, metavar="N",
                       help="insert a batch dimension of 1 at position N of every input")
    model.add_argument("--kwargs", metavar="JSON", help="keyword arguments for the class or "
                       "factory, a JSON object, e.g. '{\"hidden\": 64}'")
    model.add_argument("--forward-kwargs", metavar="JSON",
                       help="keyword arguments for forward(), a JSON object")
    model.add_argument("--col-names", nargs="+", choices=COLUMNS, metavar="COLUMN",
                       help=f"columns, from: {', '.join(COLUMNS)} (default: output_size "
                            "num_params; num_params without --input-size)")
    model.add_argument("--mode", choices=("same", "train", "eval"), default="same",
                       help="run the forward pass in this mode (restored afterwards)")
    model.add_argument("--var-names", action="store_true",
                       help="name rows by attribute: 'LSTM (encoder)'")
    model.add_argument("--verbose", action="store_true",
                       help="also one row per weight and bias")
    common = parser.add_argument_group("models and checkpoints")
    common.add_argument("--depth", type=int, default=3, metavar="N",
                        help="nesting levels shown; deeper ones fold into their parent (3)")
    common.add_argument("--format", choices=("table", "json", "csv", "markdown"),
                        default="table", help="output format (table)")
    common.add_argument("--output", metavar="FILE",
                        help="write to FILE (atomically) instead of standard output")
    common.add_argument("--ascii", action="store_true",
                        help="ASCII tree lines instead of box drawing")
    common.add_argument("--col-width", type=int, metavar="N",
                        help="width of each column after the first (model 25, checkpoint 20)")
    common.add_argument("--debug", action="store_true",
                        help="show the traceback of an error")
    ckpt = parser.add_argument_group("checkpoints")
    ckpt.add_argument("--key", metavar="KEY", help="the entry of a PyTorch checkpoint dict to "
                      "read (default: the dict, or its state_dict/model... entry)")
    ckpt.add_argument("--no-tensors", action="store_true",
                      help="modules only: no row per tensor")
    return parser


# -- option values ------------------------------------------------------------------------
def parse_shape(text):
    """``'2,3,32,32'`` (or ``[2, 3, 32, 32]``) -> ``[2, 3, 32, 32]``."""
    cleaned = text.strip().strip("()[]")
    parts = [p.strip() for p in cleaned.split(",") if p.strip()]
    try:
        shape = [int(p) for p in parts]
    except ValueError:
        shape = None
    if not shape or any(d <= 0 for d in shape):
        raise UsageError(f"--input-size {text!r}: give positive integers separated by "
                         "commas, e.g. 2,3,32,32")
    return shape


def parse_dtypes(names, n_inputs):
    """nnx dtypes for ``names`` (one per input, or one for all)."""
    import nnx

    if n_inputs == 0:
        raise UsageError("--dtypes needs --input-size")
    names = [n for name in names for n in name.split(",") if n]
    if len(names) not in (1, n_inputs):
        raise UsageError(f"--dtypes: {len(names)} dtypes for {n_inputs} inputs (give one "
                         "per --input-size, or one for all)")
    dtypes = []
    for name in names:
        short = name.strip().lower().removeprefix("torch.").removeprefix("nnx.")
        if short not in DTYPE_NAMES:
            raise UsageError(f"--dtypes: unknown dtype {name!r} (use {', '.join(DTYPE_NAMES)})")
        dtypes.append(getattr(nnx, short))
    return dtypes * n_inputs if len(dtypes) == 1 else dtypes


def parse_json_object(text, option):
    """A JSON object option as a dict."""
    if text is None:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"{option}: not valid JSON ({exc.msg} at column {exc.colno}): "
                         f"{text!r}") from None
    if not isinstance(value, dict):
        raise UsageError(f"{option}: give a JSON object like '{{\"hidden\": 64}}', not "
                         f"{type(value).__name__} {text!r}")
    return value


def _check_common(args):
    if args.depth < 0:
        raise UsageError(f"--depth must be >= 0, not {args.depth}")
    if args.col_width is not None and args.col_width < 1:
        raise UsageError(f"--col-width must be >= 1, not {args.col_width}")


# -- running ------------------------------------------------------------------------------
class Failure(Exception):
    """A runtime failure already worded for the user: exit status 1."""


@contextlib.contextmanager
def _stage(what, debug):
    """Turn an unexpected exception from user code into one worded line (``Failure``);
    with ``debug`` let it through as it is (its traceback is what the user wants)."""
    try:
        yield
    except (UsageError, Failure, _target.TargetError, KeyboardInterrupt):
        raise
    except SystemExit as exc:       # a training script's unguarded argparse / sys.exit()
        if debug:
            raise
        raise Failure(f"{what}: the code called sys.exit({exc.code!r}) (put its script part "
                      "under `if __name__ == \"__main__\":`)") from exc
    except Exception as exc:
        if debug:
            raise
        raise Failure(f"{what}: {_one_line(exc)}") from exc


def _one_line(exc):
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    text = text.removeprefix("summary: ")
    named = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return text if isinstance(exc, RuntimeError) and text.startswith("the forward") else named


_MODEL_ONLY = ("input_size", "dtypes", "batch_dim", "kwargs", "forward_kwargs", "col_names",
               "var_names", "verbose")


def summarize_checkpoint_target(args):
    """The checkpoint summary the options ask for."""
    from nnx_tools._checkpoint_summary import summarize_checkpoint

    given = [f"--{name.replace('_', '-')}" for name in _MODEL_ONLY if getattr(args, name)]
    if args.mode != "same":
        given.append("--mode")
    if given:
        raise UsageError(f"{', '.join(given)}: for models only, not for a checkpoint TARGET")
    return summarize_checkpoint(args.target, key=args.key, depth=args.depth,
                                show_tensors=not args.no_tensors, ascii_only=args.ascii,
                                col_width=args.col_width or 20)


def summarize_model_target(args):
    """Build the model TARGET names and summarise it (with a forward pass when input sizes
    are given)."""
    from nnx_tools._summary import summary

    if args.key or args.no_tensors:
        raise UsageError("--key and --no-tensors apply to checkpoints, not to a model TARGET")
    kwargs = parse_json_object(args.kwargs, "--kwargs")
    forward_kwargs = parse_json_object(args.forward_kwargs, "--forward-kwargs")
    shapes = [parse_shape(text) for text in args.input_size or ()]
    dtypes = parse_dtypes(args.dtypes, len(shapes)) if args.dtypes else None
    if not shapes and (forward_kwargs or args.batch_dim is not None):
        raise UsageError("--forward-kwargs and --batch-dim need --input-size")
    row_settings = ["depth"] + ["var_names"] * args.var_names + ["ascii_only"] * args.ascii
    options = {"depth": args.depth, "row_settings": row_settings, "mode": args.mode,
               "verbose": 2 if args.verbose else 1, "col_width": args.col_width or 25}
    if args.col_names:
        options["col_names"] = tuple(args.col_names)
    if shapes:
        options["input_size"] = shapes[0] if len(shapes) == 1 else shapes
        options["dtypes"] = dtypes
        options["batch_dim"] = args.batch_dim
    spec = args.target.rpartition(":")[0]
    # the model's code sees the command line `python file.py` would give it, not ours
    with _target.folder_on_path(_target.search_folder(args.target)), \
            _replaced_argv([spec]):
        with _stage(f"loading {spec}", args.debug):
            found = _target.load_target(args.target)
        with _stage(f"building {args.target}", args.debug):
            model = _target.build_model(found, args.target, kwargs)
        what = (f"summary of {args.target} at input size "
                f"{' and '.join(str(s) for s in shapes)}" if shapes else
                f"summary of {args.target}")
        with _stage(what, args.debug), contextlib.redirect_stdout(_Discard()):
            return summary(model, **options, **forward_kwargs)


@contextlib.contextmanager
def _replaced_argv(argv):
    saved = sys.argv
    sys.argv = list(argv)
    try:
        yield
    finally:
        sys.argv = saved


class _Discard:
    """A stdout that drops what summary() prints itself (the CLI prints the result)."""

    def write(self, text):
        return len(text)

    def flush(self):
        pass


def write_atomically(path, text):
    """Write ``text`` to ``path`` through a temporary file in the same folder + os.replace,
    so a reader never sees half a file."""
    folder = os.path.dirname(os.path.abspath(path))
    # checked first: the error would otherwise name the temporary file, not the user's path
    if os.path.isdir(path):
        raise IsADirectoryError(21, "--output is a directory, not a file", path)
    if not os.path.isdir(folder):
        raise FileNotFoundError(2, "--output: no such directory", folder)
    fd, temp = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(path)}.",
                                suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def run(args, out=None):
    """Carry out parsed arguments; the text goes to ``args.output`` or ``out`` (stdout)."""
    from nnx_tools import _summary_export

    _check_common(args)
    if _target.is_checkpoint(args.target):
        result = summarize_checkpoint_target(args)
    else:
        _target.split_target(args.target)            # a malformed spec is usage (2)
        result = summarize_model_target(args)
    text = _summary_export.render(result, args.format) + "\n"
    if args.output:
        write_atomically(args.output, text)
    else:
        (sys.stdout if out is None else out).write(text)


def _user_errors():
    from nnx.serialization import CheckpointError
    from nnx_tools._formats import ConvertError

    return (OSError, ConvertError, CheckpointError, zipfile.BadZipFile, Failure)


def _message(exc):
    if isinstance(exc, OSError) and exc.filename is not None:
        return f"{exc.strerror or exc}: {exc.filename}"
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def main(argv=None):
    """The ``nnx-summary`` command; returns the exit status."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:              # --help (0) or a usage error (2, already printed)
        return exc.code if isinstance(exc.code, int) else 2
    try:
        run(args)
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except (UsageError, _target.TargetError, *_user_errors()) as exc:
        if args.debug:
            raise
        print(f"{PROG}: error: {_message(exc)}", file=sys.stderr)
        return getattr(exc, "exit_code", 1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
