"""The demo (issue 8) on a tiny budget: it learns, it is deterministic, its checkpoint round-trips.

Needs scikit-learn (the digits ship inside it); the tests session installs it.
"""

import numpy as np
import pytest

import nnx
from nnx import nn
from nnx_layers.demo import digits_classifier, load_digit_sequences, run
from nnx_layers.demo.__main__ import main


def quiet(*_args):
    pass


def test_split_is_stratified_and_complete():
    data = load_digit_sequences(seed=3)
    assert data.train_images.shape[1:] == data.test_images.shape[1:] == (8, 8)
    assert data.train_images.dtype == np.float32 and data.train_labels.dtype == np.int64
    assert len(data.train_labels) + len(data.test_labels) == 1797
    assert 0.0 <= data.train_images.min() and data.train_images.max() <= 1.0
    counts = np.bincount(data.test_labels, minlength=10)
    assert counts.min() >= 35 and counts.max() <= 37  # ~20% of each digit's ~180 images


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_a_short_run_learns_and_round_trips(tmp_path, cell):
    path = tmp_path / f"{cell}.pt"
    result = run(epochs=2, hidden=32, cell=cell, seed=1, out=str(path), progress=False,
                 show_summary=False, check_torch=False, say=quiet)
    assert result.losses[1] < result.losses[0] < np.log(10)  # below chance level, falling
    assert result.test_accuracy > 0.5  # ten classes: chance is 0.1
    assert result.reloaded_accuracy == result.test_accuracy
    assert result.checkpoint == str(path) and path.exists()
    state = nnx.load(str(path))
    model = digits_classifier(nn, cell, 32)
    assert list(state) == list(model.state_dict())


def test_same_seed_same_run(tmp_path):
    first, second = (
        run(epochs=1, hidden=16, seed=7, out=str(tmp_path / run_dir / "digits.pt"),
            progress=False, show_summary=False, check_torch=False, say=quiet)
        for run_dir in ("first", "second")
    )
    assert first.losses == second.losses and first.accuracies == second.accuracies
    saved = [nnx.load(str(tmp_path / run_dir / "digits.pt")) for run_dir in ("first", "second")]
    assert list(saved[0]) == list(saved[1])
    for name, tensor in saved[0].items():
        assert np.array_equal(tensor.numpy(), saved[1][name].numpy()), name


def test_command_line_prints_summary_progress_and_path(tmp_path, capsys):
    path = tmp_path / "cli.pt"
    status = main(["--epochs", "1", "--hidden", "16", "--cell", "gru", "--out", str(path)])
    out, err = capsys.readouterr()
    assert status == 1  # one epoch of 16 units stays under the 95% the full run must reach
    assert "DigitsClassifier" in out and "Total params: 1,418" in out  # the summary table
    assert "epoch  1/1" in err and "loss=" in err and "test_acc=" in err  # the tqdm bar
    assert f"saved the weights to {path}" in out and path.exists()
    assert "identical predictions" in out
    assert "is under the 95% the default run reaches" in err


def test_out_may_name_a_folder(tmp_path):
    result = run(epochs=1, hidden=8, cell="rnn", out=str(tmp_path), progress=False,
                 show_summary=False, check_torch=False, say=quiet)
    assert result.checkpoint == str(tmp_path / "digits_rnn.pt")
    assert list(nnx.load(result.checkpoint)) == ["rnn.weight_ih_l0", "rnn.weight_hh_l0",
                                                 "rnn.bias_ih_l0", "rnn.bias_hh_l0",
                                                 "head.weight", "head.bias"]


def test_a_missing_dependency_is_one_line(monkeypatch, capsys):
    from nnx_layers.demo import __main__ as demo_main

    real_find_spec = demo_main.importlib.util.find_spec
    monkeypatch.setattr(demo_main.importlib.util, "find_spec",
                        lambda name: None if name == "sklearn" else real_find_spec(name))
    with pytest.raises(SystemExit) as exit_info:
        main(["--epochs", "1"])
    err = capsys.readouterr().err
    assert exit_info.value.code == 1 and err.count("\n") == 1
    assert err == ("python -m nnx_layers.demo: error: the demo needs scikit-learn: pip install "
                   'scikit-learn (or pip install "nnx-layers[demo]")\n')


def test_bad_arguments_exit_with_usage(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--cell", "lstmx"])
    assert exit_info.value.code == 2
    with pytest.raises(SystemExit):
        main(["--epochs", "0"])
    assert "must be at least 1" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--seed", "-1"])               # NumPy's generators take no negative seed
    assert "--seed: must be at least 0, got -1" in capsys.readouterr().err
    with pytest.raises(ValueError, match="cell must be one of lstm, gru, rnn"):
        digits_classifier(nn, "transformer")
