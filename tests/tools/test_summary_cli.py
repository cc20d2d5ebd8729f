"""nnx-summary on models: file.py:Name and package.module:Name targets, options, errors.

Parameter counts are worked out from the layer sizes chosen here (Linear(i, o): i*o + o;
Conv2d(c, k, 3): k*c*9 + k; Embedding(n, d): n*d), not read from the output.
"""

import csv
import io
import json
import os
import subprocess
import sys
import textwrap

import pytest
from _cli_helpers import assert_one_line_error, console_script, run_cli

from nnx_tools import cli_summary

MODEL_SOURCE = textwrap.dedent("""
    import nnx.nn as nn


    class Net(nn.Module):
        def __init__(self, hidden=8):
            super().__init__()
            self.conv = nn.Conv2d(3, 4, 3)
            self.fc = nn.Linear(4 * 6 * 6, hidden)

        def forward(self, x):
            return self.fc(self.conv(x).flatten(1))


    class Pair(nn.Module):
        def __init__(self):
            super().__init__()
            self.left = nn.Linear(6, 2)
            self.right = nn.Linear(3, 2)

        def forward(self, a, b):
            return self.left(a) + self.right(b)


    class Words(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(10, 3)

        def forward(self, ids):
            return self.embed(ids)


    def build(hidden=8):
        return nn.Sequential(nn.Linear(5, hidden), nn.ReLU(), nn.Linear(hidden, 2))


    def broken():
        raise KeyError("no weights here")


    class NotAModule:
        pass


    instance = build(3)
    number = 42
""")
# Net at 2x3x8x8: conv 3->4 (k=3) 4*3*9 + 4 = 112, output 2x4x6x6; fc 144->8: 1,160.
NET_PARAMS = 112 + 144 * 8 + 8


@pytest.fixture
def model_file(tmp_path):
    path = tmp_path / "models.py"
    path.write_text(MODEL_SOURCE)
    return path


def run_main(argv, capsys):
    return run_cli(cli_summary.main, argv, capsys)


def test_model_file_with_input(model_file, capsys):
    status, out, err = run_main([f"{model_file}:Net", "--input-size", "2,3,8,8"], capsys)
    assert status == 0 and err == ""
    lines = out.splitlines()
    assert lines[1].split() == ["Layer", "(type:depth-idx)", "Output", "Shape", "Param", "#"]
    assert lines[4].split() == ["├─Conv2d:", "1-1", "[2,", "4,", "6,", "6]", "112"]
    assert f"Total params: {NET_PARAMS:,}" in out


def test_json_round_trips(model_file, capsys):
    status, out, _ = run_main([f"{model_file}:Net", "--input-size", "2,3,8,8", "--format",
                               "json", "--col-names", "input_size", "output_size",
                               "num_params", "mult_adds"], capsys)
    assert status == 0
    data = json.loads(out)
    assert data["model"] == "Net" and data["totals"]["total_params"] == NET_PARAMS
    conv, fc = data["rows"][1], data["rows"][2]
    assert conv["output_size"] == [2, 4, 6, 6] and conv["num_params"] == 112
    assert fc["input_size"] == [2, 144] and fc["num_params"] == 1160
    # mult-adds, torchinfo's rules: Conv = params x prod(out[0], out[2:]); Linear = params x
    # prod(out[:-1])
    assert conv["mult_adds"] == 112 * 2 * 6 * 6 and fc["mult_adds"] == 1160 * 2


def test_csv_and_markdown(model_file, capsys):
    status, out, _ = run_main([f"{model_file}:build", "--kwargs", '{"hidden": 4}',
                               "--input-size", "2,5", "--format", "csv"], capsys)
    assert status == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["class_name"] for r in rows] == ["Sequential", "Linear", "ReLU", "Linear"]
    assert [int(r["num_params"]) for r in rows] == [0, 5 * 4 + 4, 0, 4 * 2 + 2]
    assert json.loads(rows[1]["output_size"]) == [2, 4]
    status, out, _ = run_main([f"{model_file}:build", "--format", "markdown"], capsys)
    lines = out.splitlines()
    assert status == 0 and lines[0] == "**Model `Sequential`**"
    assert lines[2].startswith("| Layer") and lines[3].startswith("|---|")
    assert "| ├─Linear (0): 1-1 | 48 |" in lines                   # 5*8 + 8
    assert f"- Total params: {48 + 18:,}" in lines                  # + 8*2 + 2


def test_factory_instance_and_no_input(model_file, capsys):
    status, out, _ = run_main([f"{model_file}:instance", "--format", "json"], capsys)
    data = json.loads(out)
    assert status == 0 and data["totals"]["total_params"] == 5 * 3 + 3 + 3 * 2 + 2
    assert data["columns"] == ["num_params"]
    assert all(row["output_size"] is None for row in data["rows"])


def test_several_inputs_and_dtypes(model_file, capsys):
    status, out, _ = run_main([f"{model_file}:Pair", "--input-size", "4,6", "--input-size",
                               "4,3", "--format", "json"], capsys)
    assert status == 0 and json.loads(out)["rows"][0]["output_size"] == [4, 2]
    status, out, _ = run_main([f"{model_file}:Words", "--input-size", "2,5", "--dtypes",
                               "int64", "--format", "json"], capsys)
    data = json.loads(out)
    assert status == 0 and data["rows"][1]["output_size"] == [2, 5, 3]
    assert data["totals"]["total_params"] == 10 * 3


def test_options_reach_summary(model_file, capsys):
    status, out, _ = run_main([f"{model_file}:build", "--input-size", "5", "--batch-dim", "0",
                               "--var-names", "--ascii", "--depth", "1", "--mode", "eval",
                               "--col-width", "20"], capsys)
    assert status == 0
    assert "+ Linear (0): 1-1" in out and "├" not in out
    assert "[1, 8]" in out                                   # the batch dimension inserted
    assert len(out.splitlines()[0]) == 40 + 2 * 20


def test_dotted_module_path(tmp_path, capsys, monkeypatch):
    package = tmp_path / "s2pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "nets.py").write_text(MODEL_SOURCE)
    monkeypatch.syspath_prepend(str(tmp_path))
    status, out, _ = run_main(["s2pkg.nets:build", "--kwargs", '{"hidden": 6}', "--format",
                               "json"], capsys)
    assert status == 0
    assert json.loads(out)["totals"]["total_params"] == 5 * 6 + 6 + 6 * 2 + 2


def test_dotted_module_from_the_working_directory(tmp_path, capsys, monkeypatch):
    (tmp_path / "s2_cwd_models.py").write_text(MODEL_SOURCE)
    monkeypatch.chdir(tmp_path)
    before = list(sys.path)
    status, out, _ = run_main(["s2_cwd_models:Net.__init__", "--format", "json"], capsys)
    assert status == 1                                       # a function, not a Module
    status, out, _ = run_main(["s2_cwd_models:instance", "--format", "json"], capsys)
    assert status == 0 and sys.path == before


def test_file_inside_a_package_keeps_its_relative_imports(tmp_path, capsys):
    package = tmp_path / "s2_relpkg"
    (package / "nets").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "nets" / "__init__.py").write_text("")
    (package / "blocks.py").write_text("import nnx.nn as nn\n\n\ndef block():\n"
                                       "    return nn.Linear(5, 3)\n")
    (package / "nets" / "tagger.py").write_text(
        "import nnx.nn as nn\n\nfrom ..blocks import block\n\n\n"
        "def build():\n    return nn.Sequential(block(), nn.Linear(3, 2))\n")
    before = list(sys.path)
    status, out, err = run_main([package / "nets" / "tagger.py:build", "--format", "json"],
                                capsys)
    assert status == 0, err
    assert json.loads(out)["totals"]["total_params"] == 5 * 3 + 3 + 3 * 2 + 2
    assert sys.path == before
    (tmp_path / "loose.py").write_text("from .blocks import block\n")
    assert_one_line_error(run_main([tmp_path / "loose.py:block"], capsys), "nnx-summary", 1,
                          "loose.py uses relative imports, but its folder is not a package")


def test_a_factory_missing_arguments_points_to_kwargs(tmp_path, capsys):
    (tmp_path / "factory.py").write_text("import nnx.nn as nn\n\n\ndef build(hidden):\n"
                                         "    return nn.Linear(2, hidden)\n")
    assert_one_line_error(run_main([tmp_path / "factory.py:build"], capsys), "nnx-summary", 1,
                          "build() failed: missing a required argument: 'hidden' (it "
                          "takes: hidden; --kwargs '{\"name\": value}' gives them)")
    # a TypeError inside the constructor is the model's own error, with no --kwargs hint
    (tmp_path / "inner.py").write_text("import nnx.nn as nn\n\n\ndef build():\n"
                                       "    return nn.Linear(2)\n")
    status, out, err = run_main([tmp_path / "inner.py:build"], capsys)
    assert_one_line_error((status, out, err), "nnx-summary", 1, "inner.py:build: TypeError: ")
    assert "--kwargs" not in err and "out_features" in err


def test_a_script_that_parses_its_command_line_on_import(tmp_path, capsys):
    """An unguarded argparse sees ``[script.py]`` (not nnx-summary's options) and its exit
    is reported as such, not mistaken for nnx-summary's own usage error."""
    (tmp_path / "train.py").write_text(
        "import argparse\n\n"
        "parser = argparse.ArgumentParser()\n"
        "parser.add_argument('--lr', type=float, required=True)\nparser.parse_args()\n")
    before = list(sys.argv)
    status, out, err = run_main([tmp_path / "train.py:Net", "--depth", "2"], capsys)
    assert status == 1 and out == "" and sys.argv == before
    assert "train.py: error: the following arguments are required: --lr" in err
    assert err.splitlines()[-1] == (f"nnx-summary: error: loading {tmp_path / 'train.py'}: the "
                                    "code called sys.exit(2) (put its script part under "
                                    '`if __name__ == "__main__":`)')


@pytest.mark.parametrize("argv, status, message", [
    (["{file}:Net", "--input-size", "2,3,5,5"], 1,
     "at input size [2, 3, 5, 5]: the forward pass of Net failed in Linear"),
    (["{file}:nope"], 1, "has no attribute 'nope'"),
    (["{file}:number"], 1, "is an object of type int, not an nnx.nn.Module"),
    (["{file}:NotAModule"], 1, "is the class NotAModule, not an nnx.nn.Module subclass"),
    (["{file}:broken"], 1, "building {file}:broken: KeyError: 'no weights here'"),
    (["{file}:Net", "--batch-dim", "0"], 2, "--batch-dim need --input-size"),
    (["{file}:Net", "--kwargs", '{"bad": 1}'], 1, "unexpected keyword argument 'bad'"),
    (["{file}:instance", "--kwargs", '{"a": 1}'], 1, "already a Module instance"),
    (["{tmp}/missing.py:Net"], 1, "No such file or directory"),
    (["{tmp}:Net"], 1, "is a directory: name a Python file in it"),
    (["s2_no_such_module:Net"], 1, "no module named 's2_no_such_module'"),
    (["{file}"], 2, "name the model"),
    (["{file}:1abc"], 2, "is not a Python name"),
    (["{file}:Net", "--kwargs", "{hidden"], 2, "--kwargs: not valid JSON"),
    (["{file}:Net", "--kwargs", "[1]"], 2, "give a JSON object"),
    (["{file}:Net", "--input-size", "2,x"], 2, "--input-size '2,x'"),
    (["{file}:Net", "--input-size", "0,3"], 2, "positive integers"),
    (["{file}:Net", "--dtypes", "int64"], 2, "--dtypes needs --input-size"),
    (["{file}:Pair", "--input-size", "2,6", "--input-size", "2,3", "--dtypes", "a", "b",
      "c"], 2, "3 dtypes for 2 inputs"),
    (["{file}:Net", "--input-size", "2,3,8,8", "--dtypes", "complex7"], 2,
     "unknown dtype 'complex7'"),
    (["{file}:Net", "--key", "state_dict"], 2, "apply to checkpoints"),
    (["{file}:Net", "--depth", "-1"], 2, "--depth must be >= 0"),
    (["{file}:Net", "--format", "xml"], 2, "invalid choice: 'xml'"),
    (["{file}:Net", "--col-names", "colour"], 2, "invalid choice: 'colour'"),
])
def test_errors_give_one_line(argv, status, message, model_file, tmp_path, capsys):
    argv = [a.replace("{file}", str(model_file)).replace("{tmp}", str(tmp_path)) for a in argv]
    message = message.replace("{file}", str(model_file))
    assert_one_line_error(run_main(argv, capsys), "nnx-summary", status, message)


def test_debug_reraises(model_file):
    with pytest.raises(RuntimeError, match="forward pass of Net failed"):
        cli_summary.main([f"{model_file}:Net", "--input-size", "2,3,5,5", "--debug"])
    with pytest.raises(KeyError):
        cli_summary.main([f"{model_file}:broken", "--debug"])


def test_output_file_is_written_atomically(model_file, tmp_path, capsys, monkeypatch):
    target = tmp_path / "summary.json"
    status, out, _ = run_main([f"{model_file}:Net", "--input-size", "2,3,8,8", "--format",
                               "json", "--output", target], capsys)
    assert status == 0 and out == ""
    assert json.loads(target.read_text())["totals"]["total_params"] == NET_PARAMS
    assert sorted(os.listdir(tmp_path)) == ["models.py", "summary.json"]

    def failing_replace(src, dst):
        raise OSError(28, "No space left on device", str(dst))

    monkeypatch.setattr(os, "replace", failing_replace)
    status, _, err = run_main([f"{model_file}:build", "--format", "csv", "--output", target],
                              capsys)
    assert status == 1 and "No space left on device" in err
    assert json.loads(target.read_text())["totals"]["total_params"] == NET_PARAMS
    assert sorted(os.listdir(tmp_path)) == ["models.py", "summary.json"]
    # the message names the user's path, not the temporary file next to it
    assert_one_line_error(run_main([f"{model_file}:build", "--output",
                                    tmp_path / "no" / "x.txt"], capsys),
                          "nnx-summary", 1, f"--output: no such directory: {tmp_path / 'no'}")
    assert_one_line_error(run_main([f"{model_file}:build", "--output", tmp_path], capsys),
                          "nnx-summary", 1, f"--output is a directory, not a file: {tmp_path}")


def test_help_lists_examples(capsys):
    status, out, _ = run_main(["--help"], capsys)
    assert status == 0 and "examples:" in out and "--input-size 2,3,32,32" in out


def test_module_runs_as_a_subprocess(model_file, tmp_path):
    command = [sys.executable, "-m", "nnx_tools.cli_summary"]
    good = subprocess.run([*command, f"{model_file}:Net", "--input-size", "2,3,8,8",
                           "--format", "json"], capture_output=True, text=True, check=False,
                          cwd=tmp_path)
    assert good.returncode == 0, good.stderr
    assert json.loads(good.stdout)["totals"]["total_params"] == NET_PARAMS
    bad = subprocess.run([*command, f"{model_file}:Net", "--input-size", "1,3,4,4"],
                         capture_output=True, text=True, check=False, cwd=tmp_path)
    assert bad.returncode == 1 and bad.stderr.startswith("nnx-summary: error: ")
    assert "Traceback" not in bad.stderr and bad.stderr.count("\n") == 1


def test_console_script(model_file, tmp_path):
    script = console_script("nnx-summary")
    result = subprocess.run([script, f"{model_file}:build", "--format", "json"],
                            capture_output=True, text=True, check=False, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["totals"]["total_params"] == 5 * 8 + 8 + 8 * 2 + 2
