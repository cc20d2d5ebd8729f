"""The classifier, written once against the torch.nn API so that torch can build it too."""

from __future__ import annotations

CELLS = ("lstm", "gru", "rnn")


def digits_classifier(nn, cell: str = "lstm", hidden: int = 64, classes: int = 10):
    """A recurrent layer over the image rows and a linear head on its last hidden state.

    ``nn`` is ``nnx.nn`` or ``torch.nn``: the same code builds either model, with the same
    parameter names, so a checkpoint saved by one loads into the other.
    """
    if cell not in CELLS:
        raise ValueError(f"cell must be one of {', '.join(CELLS)}, got {cell!r}")
    recurrent = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}[cell]

    class DigitsClassifier(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = recurrent(8, hidden, batch_first=True)
            self.head = nn.Linear(hidden, classes)

        def forward(self, images):  # (N, 8 steps, 8 pixels) -> (N, classes) logits
            _, state = self.rnn(images)
            h_n = state[0] if isinstance(state, tuple) else state  # LSTM also returns c_n
            return self.head(h_n[-1])

    return DigitsClassifier()
