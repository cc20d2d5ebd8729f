"""The nnx-convert command: main(argv) in-process, and the module run as a subprocess."""

import os
import subprocess
import sys
from collections import OrderedDict

import numpy as np
import pytest
from _cli_helpers import console_script, run_cli
from safetensors.numpy import load_file

import nnx
from nnx_tools import cli_convert

GOLDEN = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "golden",
                      "checkpoints")


@pytest.fixture
def checkpoint(tmp_path):
    path = tmp_path / "model.pt"
    nnx.save(OrderedDict([("module.w", nnx.ones(2, 3)), ("module.b", nnx.zeros(3)),
                          ("step", nnx.tensor(4))]), path)
    return path


def test_convert_with_options(checkpoint, tmp_path, capsys):
    dst = tmp_path / "out.safetensors"
    status, out, err = run_cli(cli_convert.main,
                               [checkpoint, dst, "--dtype", "float16", "--strip-prefix",
                                "module.", "--add-prefix", "m.", "--select", "^module"],
                               capsys)
    assert status == 0 and err == ""
    assert out == f"wrote {dst}: 2 tensors, 18 B\n"
    loaded = load_file(dst)
    assert sorted(loaded) == ["m.b", "m.w"] and loaded["m.w"].dtype == np.float16


def test_list(checkpoint, capsys):
    status, out, err = run_cli(cli_convert.main, [checkpoint, "--list"], capsys)
    assert status == 0
    assert out.splitlines() == [
        "name      shape   dtype    size",
        "module.w  (2, 3)  float32  24 B",
        "module.b  (3,)    float32  12 B",
        "step      ()      int64    8 B",
        "3 tensors, 44 B",
    ]


def test_list_with_key(capsys):
    status, out, _ = run_cli(cli_convert.main,
                             [os.path.join(GOLDEN, "wrappers.pt"), "--list", "--key",
                              "state_dict"], capsys)
    assert status == 0 and out.splitlines()[1].split() == ["weight", "(3,", "4)", "float32",
                                                           "48", "B"]


@pytest.mark.parametrize("argv, message", [
    (["{missing}", "{tmp}/o.npz"], "nnx-convert: error: No such file or directory: "),
    (["{ckpt}", "{tmp}/o.txt"], "nnx-convert: error: cannot tell the format of"),
    (["{ckpt}"], "nnx-convert: error: give a destination file (or --list)"),
    (["{ckpt}", "{tmp}/o.npz", "--list"], "nnx-convert: error: --list takes no destination"),
    (["{ckpt}", "{tmp}/o.npz", "--select", "("], "is not a valid regular expression"),
    (["{ckpt}", "{tmp}/o.npz", "--select", "nothing"], "no tensors left to write"),
    (["{ckpt}", "{tmp}/o.npz", "--key", "state_dict"], "--key 'state_dict': no entry"),
    (["{wrappers}", "{tmp}/o.npz"], "entries that are not tensors"),
    (["{garbage}", "{tmp}/o.npz"], "nnx-convert: error: not a torch checkpoint"),
    (["{hostile}", "{tmp}/o.npz"], "GLOBAL torch.nn.modules.linear.Linear is not allowed"),
])
def test_user_mistakes_give_one_line_and_status_1(argv, message, checkpoint, tmp_path, capsys):
    garbage = tmp_path / "garbage.pt"
    garbage.write_bytes(b"not a checkpoint")
    names = {"missing": tmp_path / "missing.pt", "tmp": tmp_path, "ckpt": checkpoint,
             "wrappers": os.path.join(GOLDEN, "wrappers.pt"), "garbage": garbage,
             "hostile": os.path.join(GOLDEN, "full_model.pt")}
    status, out, err = run_cli(cli_convert.main, [a.format(**names) for a in argv], capsys)
    assert status == 1 and out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert message in err
    assert not (tmp_path / "o.npz").exists()


def test_bad_usage_exits_2(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli_convert.main(["a.pt", "b.npz", "--dtype", "int8"])
    assert exit_info.value.code == 2
    assert "invalid choice: 'int8'" in capsys.readouterr().err


def test_progress_bar_for_big_files(checkpoint, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(cli_convert, "PROGRESS_THRESHOLD", 10)
    status, _, err = run_cli(cli_convert.main, [checkpoint, tmp_path / "o.npz"], capsys)
    assert status == 0 and "reading" in err and "100%" in err


def test_module_runs_as_a_subprocess(checkpoint, tmp_path):
    result = subprocess.run([sys.executable, "-m", "nnx_tools.cli_convert", str(checkpoint),
                             str(tmp_path / "o.npz"), "--strip-prefix", "module."],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert sorted(np.load(tmp_path / "o.npz").files) == ["b", "step", "w"]
    bad = subprocess.run([sys.executable, "-m", "nnx_tools.cli_convert",
                          str(tmp_path / "missing.pt"), str(tmp_path / "o2.npz")],
                         capture_output=True, text=True, check=False)
    assert bad.returncode == 1 and bad.stderr.startswith("nnx-convert: error:")
    assert "Traceback" not in bad.stderr


def test_console_script(checkpoint, tmp_path):
    script = console_script("nnx-convert")
    result = subprocess.run([script, str(checkpoint), "--list"], capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0 and "3 tensors, 44 B" in result.stdout
