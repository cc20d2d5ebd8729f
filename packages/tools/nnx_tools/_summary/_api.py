"""summary(): torchinfo's ``summary`` for nnx models."""

from nnx_tools._summary import _forward, _inputs, _memory, _shapes
from nnx_tools._summary._statistics import ModelStatistics, _Formatting
from nnx_tools._summary._table import HEADER_TITLES

__all__ = ["summary"]

DEFAULT_COLUMNS = ("output_size", "num_params")
ROW_SETTINGS = ("depth", "var_names", "ascii_only", "hide_recursive_layers")
MODES = ("train", "eval", "same")
_NEEDS_INPUT = ("input_size", "output_size", "mult_adds")


def _check_options(model, input_size, input_data, col_names, col_width, row_settings,
                   verbose, mode, columns_given):
    from nnx.nn import Module

    if not isinstance(model, Module):
        raise TypeError(f"summary: model must be an nnx.nn.Module, not {type(model).__name__}")
    if col_width <= 0:
        raise ValueError(f"Column width must be greater than 0: col_width={col_width}")
    if verbose not in (0, 1, 2):
        raise ValueError("Verbose must be either 0 (quiet), 1 (default), or 2 (verbose).")
    if input_data is not None and input_size is not None:
        raise RuntimeError("Only one of (input_data, input_size) should be specified.")
    for name in col_names:
        if name not in HEADER_TITLES:
            raise ValueError(f"summary: unknown column {name!r}; the columns are "
                             f"{', '.join(HEADER_TITLES)}")
    for name in row_settings:
        if name not in ROW_SETTINGS:
            raise ValueError(f"summary: unknown row setting {name!r}; the row settings are "
                             f"{', '.join(ROW_SETTINGS)}")
    if mode not in MODES:
        raise ValueError(f"summary: mode must be one of {', '.join(MODES)}, not {mode!r}")
    needing_input = [name for name in col_names if name in _NEEDS_INPUT]
    if input_data is None and input_size is None and needing_input and columns_given:
        raise ValueError("You must pass input_data or input_size in order to use columns: "
                         f"{needing_input}")


def summary(model, input_size=None, input_data=None, batch_dim=None, col_names=DEFAULT_COLUMNS,
            col_width=25, depth=3, dtypes=None, mode="same", row_settings=("depth",),
            verbose=1, **kwargs):
    """Summarise an nnx model as torchinfo does: layers, shapes, parameters, mult-adds.

    Args:
        model (nnx.nn.Module): the model.
        input_size (sequence, optional): one input shape, batch included (``(2, 3, 32, 32)``)
            or a list of shapes for several positional inputs.  Tensors are float32 unless
            ``dtypes`` says otherwise (floats uniform in [0, 1), integers zeros).
        input_data (optional): the forward arguments: a tensor, a PackedSequence, a list or
            tuple of positional arguments, or a dict of keyword arguments.
        batch_dim (int, optional): with ``input_size``, insert a batch dimension of size 1
            at this position into each input.
        col_names (sequence of str): columns among ``input_size``, ``output_size``,
            ``num_params``, ``params_percent``, ``kernel_size``, ``groups``, ``mult_adds``,
            ``trainable``.  Default ``("output_size", "num_params")``; without an input the
            default drops the columns that need one.
        col_width (int): width of each column (25).
        depth (int): rows deeper than this are folded into their ancestor at this depth (3).
        dtypes (sequence, optional): nnx dtypes (or names like ``"int64"``) of the inputs
            made from ``input_size``.
        mode (str): ``"same"`` (default: leave every module's mode), ``"train"`` or
            ``"eval"`` during the forward pass; each module's mode is restored afterwards.
        row_settings (sequence of str): ``depth`` (``Linear: 1-2``), ``var_names``
            (``Linear (fc)``), ``ascii_only`` (no box-drawing characters),
            ``hide_recursive_layers`` (drop the second appearance of a shared module).
        verbose (int): 0 quiet, 1 print the table (default), 2 also one row per parameter.
        **kwargs: passed to ``model.forward``.

    Returns:
        ModelStatistics: ``total_params``, ``trainable_params``, ``total_mult_adds``,
        ``total_input``, ``total_output_bytes``, ``total_param_bytes``, ``summary_list``;
        ``str()`` is the table, ``as_dict()`` a JSON-safe form.

    Without an input no forward pass runs and every module of the tree is listed with its
    parameters.  With one, rows follow the calls of one forward pass (run with gradients
    enabled: "Forward/backward pass size" is the bytes the recorded autograd graph keeps
    for backward, parameters and inputs excluded).  Tied and shared parameters count once
    in every total; a module called twice shows ``(recursive)`` the second time.  See
    ``nnx_tools._summary._mult_adds`` for the mult-adds of each layer and of functional
    ops (matmul, ``F.linear``, ``F.conv*``) called inside a module's forward.

    The summary leaves no trace, whether the forward pass returns or raises: its hooks are
    removed, and every module's train/eval mode, the model's buffers (BatchNorm running
    statistics) and the global RNG state are restored.  A forward pass that raises becomes
    a RuntimeError naming the module it escaped from (the original exception chained).

    Example::

        >>> import nnx.nn as nn
        >>> from nnx_tools import summary
        >>> stats = summary(nn.Sequential(nn.Linear(4, 8), nn.ReLU()), input_size=(2, 4),
        ...                 verbose=0)
        >>> stats.total_params, stats.total_mult_adds
        (40, 80)
    """
    # None means the default, as in torchinfo (whose defaults these are)
    columns_given = col_names is not None and col_names is not DEFAULT_COLUMNS
    col_names = tuple(DEFAULT_COLUMNS if col_names is None else col_names)
    row_settings = ("depth",) if row_settings is None else tuple(row_settings)
    verbose = 1 if verbose is None else verbose
    mode = "same" if mode is None else mode
    _check_options(model, input_size, input_data, col_names, col_width, row_settings,
                   verbose, mode, columns_given)
    has_input = input_data is not None or input_size is not None
    if not has_input:
        col_names = tuple(name for name in col_names if name not in _NEEDS_INPUT)
        rows = _forward.finish_rows(_forward.tree_rows(model))
        shown_input, total_input, kept, fallback = None, 0, 0, []
    else:
        args, data_kwargs, shown_input = _inputs.forward_arguments(
            input_size, input_data, batch_dim, dtypes)
        if input_data is None:
            args = _inputs.to_model_device(args, model)
        forward_kwargs = {**data_kwargs, **kwargs}
        rows, output = _forward.run_forward(model, args, forward_kwargs, mode)
        rows = _forward.finish_rows(_forward.insert_missing_containers(rows, model))
        total_input = _inputs.input_bytes(args, forward_kwargs)
        counted_elsewhere = [t._data for t in model.parameters()]
        counted_elsewhere += [t._data for t in model.buffers()]
        counted_elsewhere += [t._data for t in _shapes.iter_tensors((args, forward_kwargs))
                              if hasattr(t, "_data")]
        kept, fallback = _memory.saved_for_backward_bytes(output, counted_elsewhere)
        del output
    formatting = _Formatting(col_names, col_width, depth, verbose, row_settings)
    stats = ModelStatistics(model, rows, formatting, shown_input, total_input, kept, fallback)
    if verbose > 0:
        print(stats)
    return stats
