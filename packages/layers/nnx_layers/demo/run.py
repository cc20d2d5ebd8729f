"""Train, summarise, save, reload and (if torch is here) cross-check the digits classifier."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from dataclasses import dataclass, field

import numpy as np

import nnx
import nnx.nn.functional as F
from nnx import nn
from nnx_layers.demo.data import DigitSequences, load_digit_sequences
from nnx_layers.demo.model import digits_classifier


@dataclass
class History:
    """Per-epoch figures of a training run."""

    losses: list = field(default_factory=list)  # mean training loss
    accuracies: list = field(default_factory=list)  # test accuracy at the end of the epoch


@dataclass
class DemoResult:
    """What a run produced: per-epoch history, final accuracies and the checkpoint's path."""

    test_accuracy: float
    reloaded_accuracy: float
    checkpoint: str
    seconds: float
    losses: list  # mean training loss per epoch
    accuracies: list  # test accuracy after each epoch
    torch_agreement: float | None = None  # share of equal predictions; None without torch


def checkpoint_path(out: str | None, cell: str) -> str:
    """Where the weights go: ``out`` (a file, or an existing folder to put
    ``digits_<cell>.pt`` in), by default a ``nnx-demo`` folder in the temporary directory."""
    filename = f"digits_{cell}.pt"
    if out is None:
        return os.path.join(tempfile.gettempdir(), "nnx-demo", filename)
    path = os.path.abspath(out)
    return os.path.join(path, filename) if os.path.isdir(path) else path


def predict(model, images: np.ndarray) -> np.ndarray:
    """Class indices (N,) for float32 images (N, 8, 8), in eval mode without autograd."""
    model.eval()
    with nnx.no_grad():
        return model(nnx.from_numpy(images)).argmax(dim=1).numpy()


def accuracy(model, images: np.ndarray, labels: np.ndarray) -> float:
    """Share of ``images`` whose predicted class is their label."""
    return float((predict(model, images) == labels).mean())


def train(model, data: DigitSequences, epochs: int, seed: int, batch_size: int = 32,
          lr: float = 0.01, progress: bool = True) -> History:
    """Mini-batch Adam with a cosine schedule; one tqdm bar per epoch (loss, accuracy)."""
    from tqdm import tqdm

    optimizer = nnx.optim.Adam(model.parameters(), lr=lr)
    scheduler = nnx.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=max(epochs, 1))
    shuffle = np.random.default_rng(seed)
    history = History()
    n = len(data.train_labels)
    for epoch in range(epochs):
        model.train()
        order = shuffle.permutation(n)
        batches = [order[i : i + batch_size] for i in range(0, n, batch_size)]
        # driven by hand: a bar that is iterated closes at the end, before the test accuracy
        bar = tqdm(total=len(batches), desc=f"epoch {epoch + 1:>2}/{epochs}", unit="batch",
                   disable=not progress, leave=True, file=sys.stderr)
        seen = correct = 0
        loss_sum = 0.0
        for rows in batches:
            images = nnx.from_numpy(data.train_images[rows])
            labels = nnx.from_numpy(data.train_labels[rows])
            logits = model(images)
            loss = F.cross_entropy(logits, labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            loss_sum += loss.item() * len(rows)
            correct += int((logits.argmax(dim=1) == labels).sum().item())
            seen += len(rows)
            bar.set_postfix(loss=f"{loss_sum / seen:.3f}", acc=f"{correct / seen:.3f}",
                            refresh=False)
            bar.update(1)
        scheduler.step()
        history.losses.append(loss_sum / seen)
        history.accuracies.append(accuracy(model, data.test_images, data.test_labels))
        bar.set_postfix(loss=f"{loss_sum / seen:.3f}", acc=f"{correct / seen:.3f}",
                        test_acc=f"{history.accuracies[-1]:.3f}")
        bar.close()
    return history


def save_and_reload(model, path: str, cell: str, hidden: int, images: np.ndarray) -> np.ndarray:
    """``nnx.save`` the weights to ``path``, load them into a fresh model and return its
    predictions for ``images``, which must equal the trained model's."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    nnx.save(model.state_dict(), path)
    fresh = digits_classifier(nn, cell, hidden)
    fresh.load_state_dict(nnx.load(path))
    reloaded = predict(fresh, images)
    if not np.array_equal(reloaded, predict(model, images)):
        raise RuntimeError(f"the model reloaded from {path} predicts differently")
    return reloaded


def torch_agreement(path: str, cell: str, hidden: int, images: np.ndarray,
                    nnx_predictions: np.ndarray) -> float | None:
    """Load the checkpoint into the same model built with torch.nn; share of equal predictions."""
    try:
        import torch
    except ImportError:
        return None
    model = digits_classifier(torch.nn, cell, hidden)
    model.load_state_dict(torch.load(path, weights_only=True))
    model.eval()
    with torch.no_grad():
        predictions = model(torch.from_numpy(images)).argmax(dim=1).numpy()
    return float((predictions == nnx_predictions).mean())


def print_summary(model, batch_size: int) -> None:
    """The model's nnx-summary table for one training batch."""
    from nnx_tools import summary

    summary(model, input_size=(batch_size, 8, 8),
            col_names=("output_size", "num_params", "mult_adds"))


def run(epochs: int = 15, hidden: int = 64, cell: str = "lstm", seed: int = 0,
        out: str | None = None, progress: bool = True, show_summary: bool = True,
        check_torch: bool = True, say=print) -> DemoResult:
    """The whole demo; returns its figures. Deterministic for a given seed."""
    started = time.perf_counter()
    data = load_digit_sequences(seed=seed)
    nnx.manual_seed(seed)
    model = digits_classifier(nn, cell, hidden)
    say(f"digits: {len(data.train_labels)} training and {len(data.test_labels)} test images, "
        f"each read as 8 steps of 8 pixels; {cell.upper()} with {hidden} hidden units")
    if show_summary:
        print_summary(model, batch_size=32)
    history = train(model, data, epochs, seed, progress=progress)
    test_accuracy = accuracy(model, data.test_images, data.test_labels)
    say(f"test accuracy: {test_accuracy:.2%}")

    path = checkpoint_path(out, cell)
    reloaded = save_and_reload(model, path, cell, hidden, data.test_images)
    reloaded_accuracy = float((reloaded == data.test_labels).mean())
    say(f"saved the weights to {path}; a fresh model loaded from it scores "
        f"{reloaded_accuracy:.2%} (identical predictions)")
    agreement = None
    if check_torch:
        agreement = torch_agreement(path, cell, hidden, data.test_images, reloaded)
        if agreement is None:
            say("torch is not installed: skipped loading the checkpoint into torch.nn")
        else:
            say(f"torch.nn {cell.upper()} loaded from the same file agrees on "
                f"{agreement:.2%} of the test predictions")
    seconds = time.perf_counter() - started
    say(f"done in {seconds:.1f} s")
    return DemoResult(test_accuracy, reloaded_accuracy, path, seconds, history.losses,
                      history.accuracies, agreement)
