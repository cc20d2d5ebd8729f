"""nnx-layers: the concrete layers of torch.nn for nnx.

Linear, convolution, pooling, activations, normalization, dropout, Embedding, losses,
distances, vision layers and the recurrent family (RNN, LSTM, GRU and their cells).
``nnx.nn`` finds them here lazily, so ``import nnx.nn as nn; nn.Conv2d(...)`` works once this
package is installed. Each family lives in its own module, named as in torch.nn.modules,
and is imported on first use of one of its names.
"""

import importlib
import importlib.metadata as _metadata

__version__ = _metadata.version("nnx-layers")  # one source: meson.build

# module -> the layer classes it defines (one line per family: the single list of what
# nnx-layers provides; tests/layers checks that each name resolves to an nnx.nn.Module)
_LAYERS_BY_MODULE = {
    "linear": ("Identity", "Linear", "Bilinear", "Flatten", "Unflatten"),
    "conv": ("Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d",
             "ConvTranspose3d"),
    "fold": ("Fold", "Unfold"),
    "padding": ("ZeroPad1d", "ZeroPad2d", "ZeroPad3d", "ConstantPad1d", "ConstantPad2d",
                "ConstantPad3d", "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d",
                "ReplicationPad1d", "ReplicationPad2d", "ReplicationPad3d", "CircularPad1d",
                "CircularPad2d", "CircularPad3d"),
    "pooling": ("MaxPool1d", "MaxPool2d", "MaxPool3d", "AvgPool1d", "AvgPool2d", "AvgPool3d",
                "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveAvgPool3d",
                "AdaptiveMaxPool1d", "AdaptiveMaxPool2d", "AdaptiveMaxPool3d", "MaxUnpool1d",
                "MaxUnpool2d", "MaxUnpool3d", "LPPool1d", "LPPool2d", "LPPool3d"),
    "activation": ("ReLU", "ReLU6", "LeakyReLU", "PReLU", "RReLU", "ELU", "SELU", "CELU", "GELU",
                   "SiLU", "Mish", "Tanh", "Sigmoid", "Hardtanh", "Hardsigmoid", "Hardswish",
                   "Softplus", "Softsign", "Softmax", "LogSoftmax", "Softmin", "Softmax2d",
                   "Threshold", "GLU", "LogSigmoid", "Hardshrink", "Softshrink",
                   "Tanhshrink"),
    "batchnorm": ("BatchNorm1d", "BatchNorm2d", "BatchNorm3d"),
    "instancenorm": ("InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d"),
    "normalization": ("LayerNorm", "GroupNorm", "LocalResponseNorm", "RMSNorm"),
    "dropout": ("Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout",
                "FeatureAlphaDropout"),
    "sparse": ("Embedding", "EmbeddingBag"),
    "distance": ("PairwiseDistance", "CosineSimilarity"),
    "loss": ("L1Loss", "MSELoss", "CrossEntropyLoss", "NLLLoss", "BCELoss",
             "BCEWithLogitsLoss", "SmoothL1Loss", "HuberLoss", "KLDivLoss",
             "CosineEmbeddingLoss", "MarginRankingLoss", "HingeEmbeddingLoss",
             "MultiMarginLoss", "TripletMarginLoss", "PoissonNLLLoss", "GaussianNLLLoss",
             "CTCLoss", "SoftMarginLoss", "MultiLabelMarginLoss", "MultiLabelSoftMarginLoss"),
    "pixelshuffle": ("PixelShuffle", "PixelUnshuffle"),
    "upsampling": ("Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d"),
    "rnn": ("RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"),
}

_MODULE_OF = {name: module for module, names in _LAYERS_BY_MODULE.items() for name in names}

__all__ = sorted(_MODULE_OF)


def __getattr__(name):
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'nnx_layers' has no attribute '{name}'")
    value = getattr(importlib.import_module(f"nnx_layers.{module}"), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
