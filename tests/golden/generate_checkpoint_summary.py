#!/usr/bin/env python
"""Generate (or check) the torch-written checkpoint that ``nnx-summary`` is tested on.

Usage (needs torch==2.13.0; imports only torch and numpy):

    python tests/golden/generate_checkpoint_summary.py          # write the .pt + the .npz
    python tests/golden/generate_checkpoint_summary.py --check  # live torch agrees with both

- ``checkpoints/summary_model.pt``: ``torch.save({"model_state_dict": <a DataParallel
  state_dict ('module.' prefix)>, "step": 3})`` of a model holding one of each layer family
  the checkpoint summary recognises, with an output Linear whose weight is tied to the
  embedding (torch.save stores it once, under two names).
- ``checkpoint_summary_golden.npz``: what torch itself says about that model:
  ``model/total_params`` (``sum(p.numel() for p in model.parameters())``, tied weights
  once), ``model/buffer_elements``, ``model/tensors`` (state_dict entries),
  ``model/children`` / ``model/classes`` (top-level names, ``type(child).__name__``),
  ``model/child_params`` / ``model/child_buffers`` (each parameter counted under the first
  name ``named_parameters()`` gives it), ``model/child_reprs`` (``repr(child)`` on one line).

``tests/tools/test_checkpoint_summary_golden.py`` summarises the .pt with nnx (no torch) and
compares with these numbers.
"""

import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import generate as _generate  # noqa: E402  (the ops generator next to this file)

FORMAT = "nnx-checkpoint-summary-golden-1"
CHECKPOINT = os.path.join(HERE, "checkpoints", "summary_model.pt")
EXPECTED = os.path.join(HERE, "checkpoint_summary_golden.npz")


def _model(torch):
    nn = torch.nn
    torch.manual_seed(0)
    model = nn.Module()
    model.embed = nn.Embedding(50, 8)
    model.lstm = nn.LSTM(8, 6, num_layers=2, bidirectional=True, proj_size=3)
    model.gru = nn.GRU(8, 5, bias=False)
    model.rnn = nn.RNN(8, 4)
    model.conv = nn.Conv2d(3, 4, (3, 5))
    model.deconv = nn.ConvTranspose2d(4, 6, 3)     # bias (6,) on the weight's 2nd dimension
    model.bn = nn.BatchNorm2d(4)
    model.ln = nn.LayerNorm([2, 3])
    model.attn = nn.MultiheadAttention(8, 2)
    model.cell = nn.GRUCell(4, 5)
    model.out = nn.Linear(8, 50)
    model.out.weight = model.embed.weight          # tied, as a language model's head
    return model


def _checkpoint(torch, model):
    return {"model_state_dict": torch.nn.DataParallel(model).state_dict(), "step": 3}


def compute_entries(torch):
    torch.set_num_threads(1)
    model = _model(torch)
    children = [name for name, _ in model.named_children()]
    params = dict.fromkeys(children, 0)
    for name, parameter in model.named_parameters():      # duplicates (tied) come once
        params[name.split(".")[0]] += parameter.numel()
    buffers = dict.fromkeys(children, 0)
    for name, buffer in model.named_buffers():
        buffers[name.split(".")[0]] += buffer.numel()
    entries = _generate.meta_entries(torch, FORMAT, ["model"])
    entries.update({
        "model/total_params": np.array(sum(p.numel() for p in model.parameters())),
        "model/buffer_elements": np.array(sum(b.numel() for b in model.buffers())),
        "model/tensors": np.array(len(model.state_dict())),
        "model/children": np.array(children),
        "model/classes": np.array([type(c).__name__ for c in model.children()]),
        "model/child_params": np.array([params[c] for c in children], dtype=np.int64),
        "model/child_buffers": np.array([buffers[c] for c in children], dtype=np.int64),
        "model/child_reprs": np.array([" ".join(repr(c).split()) for c in model.children()]),
    })
    return entries


def _same_checkpoint(torch):
    """The committed .pt holds exactly what the generator saves today."""
    fresh = _checkpoint(torch, _model(torch))
    stored = torch.load(CHECKPOINT, weights_only=True)
    if stored["step"] != fresh["step"] or list(stored["model_state_dict"]) != \
            list(fresh["model_state_dict"]):
        return False
    return all(torch.equal(stored["model_state_dict"][k], v)
               for k, v in fresh["model_state_dict"].items())


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    torch = _generate._import_torch()
    if argv == ["--check"]:
        status = _generate.run(__doc__, compute_entries, EXPECTED, "1 model", argv=["--check"])
        if not _same_checkpoint(torch):
            print(f"FAIL: {CHECKPOINT} differs from what torch saves now")
            return 1
        return status
    if argv:
        sys.exit("usage: generate_checkpoint_summary.py [--check]")
    torch.save(_checkpoint(torch, _model(torch)), CHECKPOINT)
    print(f"wrote {CHECKPOINT}: {os.path.getsize(CHECKPOINT) / 1024:.1f} KiB")
    return _generate.run(__doc__, compute_entries, EXPECTED, "1 model", argv=[])


if __name__ == "__main__":
    sys.exit(main())
