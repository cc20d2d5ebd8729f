"""Module backward hooks, wired into the autograd graph around one forward call.

Full hooks (``register_full_backward_hook``): the module's tensor inputs and outputs each
pass through an identity autograd node (``BackwardHookFunction``).  The output node's hook
records ``grad_output`` (running the backward pre-hooks, which may replace it); the input
node's hook then calls the user hooks with ``(module, grad_input, grad_output)`` and may
swap ``grad_input``.  As in torch, an output that received no gradient appears as None in
``grad_output``, and a tensor input that does not require grad (beside one that does) as
zeros in ``grad_input``.  If no input requires grad, the hooks fire at the output node with
``grad_input`` all None (and a warning), as in torch.

Legacy hooks (``register_backward_hook``) are plain post-hooks on the grad_fn of the
first output tensor: they see that node's grads, not the module's.
"""

import warnings

from nnx._C import _C
from nnx.autograd.function import Function
from nnx.autograd.grad_mode import is_grad_enabled

Tensor = _C.TensorBase


class BackwardHookFunction(Function):
    """Identity on its tensor arguments: a graph node where module gradients are seen."""

    @staticmethod
    def forward(ctx, *args):
        ctx.mark_non_differentiable(*[arg for arg in args if not arg.requires_grad])
        return args

    @staticmethod
    def backward(ctx, *grads):
        return grads


def _pack_with_none(indices, values, size):
    packed = [None] * size
    for index, value in zip(indices, values):
        packed[index] = value
    return tuple(packed)


class BackwardHook:
    """The backward hooks of one module call: links the grads of its outputs and inputs."""

    def __init__(self, module, user_hooks, user_pre_hooks):
        self.module = module
        self.user_hooks = user_hooks
        self.user_pre_hooks = user_pre_hooks
        self.grad_outputs = None
        self.n_inputs = self.n_outputs = -1
        self.input_tensors_index = self.output_tensors_index = None
        self.missing_grads = ()

    def _through_identity(self, on_node, args):
        """``args`` with its tensors routed through one BackwardHookFunction node, passed
        to ``on_node``; unchanged (index None) when nothing requires grad."""
        index = [i for i, arg in enumerate(args) if isinstance(arg, Tensor)]
        tensors = [args[i] for i in index]
        if not (any(t.requires_grad for t in tensors) and is_grad_enabled()):
            return args, None
        routed = BackwardHookFunction.apply(*tensors)
        on_node(next(t.grad_fn for t in routed if t.grad_fn is not None))
        out = list(args)
        for i, tensor in zip(index, routed):
            out[i] = tensor
        return tuple(out), index

    def setup_input_hook(self, args):
        def on_node(node):
            node.register_hook(self._input_hook)

        routed, self.input_tensors_index = self._through_identity(on_node, args)
        self.n_inputs = len(args)
        return routed

    def _input_hook(self, grad_input, _):
        if self.grad_outputs is None:
            return None  # the outputs were not part of this backward pass
        result = _pack_with_none(self.input_tensors_index, grad_input, self.n_inputs)
        for hook in self.user_hooks:
            out = hook(self.module, result, self.grad_outputs)
            if out is None:
                continue
            if len(out) != len(result):
                raise RuntimeError(
                    "Backward hook returned an invalid number of grad_input, got "
                    f"{len(out)}, but expected {len(result)}"
                )
            result = out
        self.grad_outputs = None
        return tuple(result[i] for i in self.input_tensors_index)

    def setup_output_hook(self, result):
        def on_node(node):
            node.register_prehook(self._note_missing_grads)
            node.register_hook(self._output_hook)

        single = not isinstance(result, tuple)
        outputs = (result,) if single else result
        routed, self.output_tensors_index = self._through_identity(on_node, outputs)
        self.n_outputs = len(outputs)
        return routed[0] if single else routed

    def _note_missing_grads(self, grad_output):
        """Before the output node runs: which outputs got no gradient at all (unused, or
        not differentiable).  The engine then fills them with zeros, but torch's hooks see
        them as None, and no gradient flows on from them."""
        self.missing_grads = [g is None for g in grad_output]

    def _output_hook(self, _, grad_output):
        if len(self.missing_grads) == len(grad_output):
            grad_output = tuple(None if missing else g
                                for g, missing in zip(grad_output, self.missing_grads))
        self.grad_outputs = _pack_with_none(self.output_tensors_index, grad_output,
                                            self.n_outputs)
        for pre_hook in self.user_pre_hooks:
            replaced = pre_hook(self.module, self.grad_outputs)
            if replaced is None:
                continue
            if len(replaced) != len(self.grad_outputs):
                raise RuntimeError(
                    "Backward pre hook returned an invalid number of grad_output, got "
                    f"{len(replaced)}, but expected {len(self.grad_outputs)}"
                )
            self.grad_outputs = replaced
        local_grad_outputs = self.grad_outputs
        if self.input_tensors_index is None:
            self._fire_without_input_grads()
        return tuple(local_grad_outputs[i] for i in self.output_tensors_index)

    def _fire_without_input_grads(self):
        warnings.warn(
            "Full backward hook is firing when gradients are computed with respect to module "
            "outputs since no inputs require gradients. See https://docs.pytorch.org/docs/"
            "main/generated/torch.nn.Module.html#torch.nn.Module.register_full_backward_hook"
            " for more details.",
            stacklevel=5,
        )
        grad_inputs = (None,) * self.n_inputs
        for hook in self.user_hooks:
            res = hook(self.module, grad_inputs, self.grad_outputs)
            if res is not None and not (isinstance(res, tuple) and all(r is None for r in res)):
                raise RuntimeError(
                    "Backward hook for Modules where no input requires gradient should always "
                    "return None or None for all gradients."
                )
        self.grad_outputs = None


def attach_legacy_hooks(module, hooks, args, result):
    """Register legacy hooks on the grad_fn of the first tensor of ``result``."""
    var = result
    while not isinstance(var, Tensor):
        var = next(v for v in var.values() if isinstance(v, Tensor)) if isinstance(
            var, dict) else var[0]
    grad_fn = var.grad_fn
    if grad_fn is None:
        return
    for hook in hooks:
        grad_fn.register_hook(_module_hook(module, hook))
    _warn_if_partial(args, result, grad_fn)


def _module_hook(module, hook):
    return lambda grad_input, grad_output: hook(module, grad_input, grad_output)


_PARTIAL = (
    "Using a non-full backward hook when {} is deprecated and will be removed in future "
    "versions. This hook will be missing some {}"
)
_USE_FULL = " Please use register_full_backward_hook to get the documented behavior."


def _warn_if_partial(inputs, result, grad_fn):
    """torch's FutureWarnings when the legacy hook cannot see the module's whole gradient."""
    for name, values, grad in (("return", result, "grad_output"),
                               ("take as input", inputs, "grad_input")):
        if not isinstance(values, Tensor) and not (
                isinstance(values, tuple) and all(isinstance(v, Tensor) for v in values)):
            return _future(
                f"Using non-full backward hooks on a Module that does not {name} a single "
                "Tensor or a tuple of Tensors is deprecated and will be removed in future "
                f"versions. This hook will be missing some of the {grad}." + _USE_FULL)
    result = (result,) if isinstance(result, Tensor) else result
    inputs = (inputs,) if isinstance(inputs, Tensor) else inputs
    out_fns = {r.grad_fn for r in result if r.grad_fn is not None}
    if not out_fns or (len(out_fns) == 1 and grad_fn not in out_fns):
        return _future(_PARTIAL.format("outputs are nested in python data structure",
                                       "grad_output."))
    if len(out_fns) > 1:
        return _future(_PARTIAL.format("outputs are generated by different autograd Nodes",
                                       "grad_output.") + _USE_FULL)
    input_fns = {i.grad_fn for i in inputs if i.grad_fn is not None}
    if input_fns != {fn for fn, _ in grad_fn.next_functions}:
        return _future(_PARTIAL.format("the forward contains multiple autograd Nodes",
                                       "grad_input.") + _USE_FULL)
    return None


def _future(message):
    warnings.warn(message, FutureWarning, stacklevel=5)
