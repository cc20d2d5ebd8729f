"""The one exception ``nnx.load`` raises for a file it will not load."""

import pickle


class CheckpointError(pickle.UnpicklingError):
    """A checkpoint is malformed, truncated, unsupported or hostile.

    ``nnx.load`` turns every problem found in a file's bytes into this exception (the original
    error, when there was one, is chained as ``__cause__``): a bad zip container, a truncated
    stream, a storage whose size does not match its record, a tensor reaching outside its
    storage, a pickle opcode or a global outside the allowlist. It subclasses
    :class:`pickle.UnpicklingError`, the type ``torch.load(weights_only=True)`` raises for a
    refused global, so ``except pickle.UnpicklingError`` catches refusals from both.

    Errors that are not about the file's contents keep their own types: a missing path
    raises ``FileNotFoundError``, a bad argument ``TypeError`` or ``ValueError``.
    """
