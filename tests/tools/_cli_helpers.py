"""What the command-line tests of nnx-tools share: run a ``main(argv)`` in-process, check
the one-line error contract, and find an installed console script."""

import importlib.metadata
import os
import shutil
import sys

import pytest


def run_cli(main, argv, capsys):
    """``main([str(a) for a in argv])`` -> ``(status, stdout, stderr)``."""
    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


def assert_one_line_error(result, prog, status, message):
    """A failed run printed nothing on stdout and exactly one line ``PROG: error: ...``
    holding ``message`` on stderr (no traceback), and exited with ``status``."""
    code, out, err = result
    assert code == status and out == "", (code, out, err)
    assert err.startswith(f"{prog}: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err and message in err, err


def console_script(name):
    """The path of the installed console script ``name``; skips the test when this
    install of nnx-tools does not declare it (an editable install made before the entry
    point existed must be reinstalled)."""
    points = importlib.metadata.entry_points(group="console_scripts")
    if not any(point.name == name for point in points):
        pytest.skip(f"this nnx-tools install predates the {name} entry point: reinstall it")
    return shutil.which(name) or os.path.join(os.path.dirname(sys.executable), name)
