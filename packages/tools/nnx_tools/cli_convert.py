"""``nnx-convert``: convert checkpoints between .pt/.pth/.bin, .safetensors and .npz.

    nnx-convert model.pt model.safetensors
    nnx-convert ckpt.pth weights.npz --key state_dict --strip-prefix module. --dtype float16
    nnx-convert model.safetensors --list

Mistakes (a missing file, an unknown extension, a malformed checkpoint, a bad --select
pattern...) print one line to stderr and exit with status 1 (2 for bad command-line usage).
"""

import argparse
import sys
import zipfile

from nnx_tools import convert as _convert

PROGRESS_THRESHOLD = 100 * 1024 * 1024   # files over ~100 MB get a progress bar


def _parser():
    parser = argparse.ArgumentParser(
        prog="nnx-convert",
        description="Convert checkpoints between .pt/.pth/.bin (PyTorch), .safetensors and "
                    ".npz; the format of each file comes from its extension. PyTorch files "
                    "are read without torch and without running any code from the file.",
    )
    parser.add_argument("src", help="the checkpoint to read")
    parser.add_argument("dst", nargs="?", help="the file to write (not with --list)")
    parser.add_argument("--list", action="store_true",
                        help="print the tensors' names, shapes, dtypes and sizes; write nothing")
    parser.add_argument("--dtype", choices=_convert.FLOAT_DTYPES,
                        help="cast floating tensors (integer and bool tensors keep their type)")
    parser.add_argument("--strip-prefix", metavar="PREFIX",
                        help="remove PREFIX from names that start with it (e.g. 'module.')")
    parser.add_argument("--add-prefix", metavar="PREFIX", help="put PREFIX before every name")
    parser.add_argument("--select", metavar="REGEX",
                        help="keep only tensors whose name matches REGEX (re.search)")
    parser.add_argument("--key", metavar="KEY",
                        help="take the entry KEY of a PyTorch checkpoint dict (e.g. "
                             "'state_dict'; nested entries as 'outer.inner')")
    return parser


def _print_list(rows, out):
    if not rows:
        print("(no tensors)", file=out)
        return
    shapes = [str(tuple(row.shape)) for row in rows]
    width_name = max(len("name"), *(len(row.name) for row in rows))
    width_shape = max(len("shape"), *(len(s) for s in shapes))
    width_dtype = max(len("dtype"), *(len(row.dtype) for row in rows))
    print(f"{'name':<{width_name}}  {'shape':<{width_shape}}  {'dtype':<{width_dtype}}  size",
          file=out)
    for row, shape in zip(rows, shapes):
        print(f"{row.name:<{width_name}}  {shape:<{width_shape}}  {row.dtype:<{width_dtype}}  "
              f"{_convert.human_size(row.nbytes)}", file=out)
    total = sum(row.nbytes for row in rows)
    print(f"{len(rows)} tensors, {_convert.human_size(total)}", file=out)


def _progress_bar(src):
    """A tqdm bar over the bytes read, for big files only (None otherwise)."""
    size = _convert.file_size(src)
    if size <= PROGRESS_THRESHOLD:
        return None
    from tqdm import tqdm

    return tqdm(total=size, unit="B", unit_scale=True, unit_divisor=1024,
                desc=f"reading {src}", file=sys.stderr)


def _user_errors():
    from nnx.serialization import CheckpointError

    return (OSError, ValueError, TypeError, CheckpointError, zipfile.BadZipFile)


def run(args, out=None):
    """Carry out parsed arguments (``out``: where reports go, default stdout)."""
    out = sys.stdout if out is None else out
    if args.list:
        if args.dst is not None:
            raise _convert.ConvertError("--list takes no destination file")
        _print_list(_convert.list_tensors(args.src, key=args.key), out)
        return
    if args.dst is None:
        raise _convert.ConvertError("give a destination file (or --list)")
    bar = _progress_bar(args.src)
    try:
        rows = _convert.convert(args.src, args.dst, dtype=args.dtype,
                                strip_prefix=args.strip_prefix, add_prefix=args.add_prefix,
                                select=args.select, key=args.key,
                                progress=bar.update if bar is not None else None)
        if bar is not None:
            bar.update(max(0, bar.total - bar.n))    # read sizes need not add up to the file's
    finally:
        if bar is not None:
            bar.close()
    total = sum(row.nbytes for row in rows)
    print(f"wrote {args.dst}: {len(rows)} tensors, {_convert.human_size(total)}", file=out)


def main(argv=None):
    """The ``nnx-convert`` command; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        run(args)
    except KeyboardInterrupt:
        print("nnx-convert: interrupted", file=sys.stderr)
        return 130
    except _user_errors() as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if isinstance(exc, OSError) and exc.filename is not None:
            message = f"{exc.strerror or message}: {exc.filename}"
        print(f"nnx-convert: error: {message}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
