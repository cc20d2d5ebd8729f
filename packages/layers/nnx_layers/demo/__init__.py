"""The nnx demo: an LSTM reads handwritten digits row by row and learns to name them.

    python -m nnx_layers.demo [--epochs N] [--hidden H] [--cell lstm|gru|rnn] [--seed S]
                              [--out PATH]

scikit-learn's bundled digits (1,797 8x8 images, no download) are read as sequences of 8 time
steps of 8 pixels. The run trains with mini-batches, Adam and a cosine learning-rate schedule,
prints the model's nnx-summary table, saves the weights with ``nnx.save``, loads them into a
fresh model and checks that it predicts exactly the same, and, when torch is installed, loads
the same file into the equivalent ``torch.nn`` model. Needs the ``demo`` extra:
``pip install "nnx-layers[demo]"`` (nnx-tools, scikit-learn, tqdm).
"""

from nnx_layers.demo.data import DigitSequences, load_digit_sequences
from nnx_layers.demo.model import digits_classifier
from nnx_layers.demo.run import DemoResult, run

__all__ = ["DemoResult", "DigitSequences", "digits_classifier", "load_digit_sequences", "run"]
