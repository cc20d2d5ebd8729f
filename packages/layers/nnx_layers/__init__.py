"""nnx-layers: the concrete layers of torch.nn for nnx.

Linear, convolution, pooling, activations, normalization, dropout, Embedding, losses,
distances, vision layers and the recurrent family (RNN, LSTM, GRU and their cells).
``nnx.nn`` finds them here lazily, so ``import nnx.nn as nn; nn.LSTM(...)`` works once this
package is installed. It holds no layers yet.
"""

import importlib.metadata as _metadata

__version__ = _metadata.version("nnx-layers")  # one source: meson.build
