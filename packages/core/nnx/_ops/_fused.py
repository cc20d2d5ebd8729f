"""Fused multiply-adds the optimizers use: ``addcmul``, ``addcdiv`` (and ``lerp`` in _select).

Out of place they are compositions of recorded ops, so their gradients come for free;
the in-place forms in inplace.py write straight into the tensor when nothing is recorded
(an optimizer step under no_grad), which is the case that has to be fast.
"""

from nnx._ops._pointwise_base import TensorBase


def check_arguments(name, value, input, tensor1, tensor2):
    """torch's argument checks of addcmul / addcdiv (shared by the in-place forms)."""
    if isinstance(value, float) and not all(
            t.dtype.is_floating_point for t in (input, tensor1, tensor2)
            if isinstance(t, TensorBase)):
        raise RuntimeError("For integral input tensors, argument value must not be a floating "
                           "point number.")
    if name == "addcdiv" and not (tensor1.dtype.is_floating_point
                                  or tensor2.dtype.is_floating_point):
        raise RuntimeError("Integer division with addcdiv is no longer supported, and in a future "
                           "release addcdiv will perform a true division of tensor1 and tensor2. "
                           "The historic addcdiv behavior can be implemented as "
                           "(input + value * nnx.trunc(tensor1 / tensor2)).to(input.dtype) for "
                           "integer inputs and as (input + value * tensor1 / tensor2) for float "
                           "inputs. The future addcdiv behavior is just the latter implementation: "
                           "(input + value * tensor1 / tensor2), for all dtypes.")


def addcmul(input, tensor1, tensor2, *, value=1):
    """``input + value * tensor1 * tensor2`` (torch.addcmul)."""
    check_arguments("addcmul", value, input, tensor1, tensor2)
    product = tensor1 * tensor2
    return input + (product if value == 1 else product * value)


def addcdiv(input, tensor1, tensor2, *, value=1):
    """``input + value * tensor1 / tensor2`` (torch.addcdiv); integer division is refused."""
    check_arguments("addcdiv", value, input, tensor1, tensor2)
    quotient = tensor1 / tensor2
    return input + (quotient if value == 1 else quotient * value)
