"""Margin and embedding losses: margin_ranking_loss, hinge_embedding_loss,
cosine_embedding_loss and triplet_margin_loss.

torch builds these four from differentiable primitives (ATen composites), and nnx does
the same, step for step: the recorded graph is torch's, so the gradient reaches the same
arguments (margin_ranking_loss's target; not the ±1 labels of the others, which only
select branches) and ties at the hinge behave as torch's clamp_min and where do.
"""

import nnx
from nnx.nn.functional import _helpers as H
from nnx.nn.functional import _reduction as R

__all__ = ["margin_ranking_loss", "hinge_embedding_loss", "cosine_embedding_loss",
           "triplet_margin_loss"]

_COSINE_EPSILON = 1e-12       # ATen's EPSILON in cosine_embedding_loss


def _check_tensors(fname, **tensors):
    for position, (name, value) in enumerate(tensors.items(), 1):
        H.check_tensor(fname, name, position, value)


def margin_ranking_loss(input1, input2, target, margin=0, size_average=None, reduce=None,
                        reduction="mean"):
    """max(0, -y (x1 - x2) + margin): y = 1 ranks x1 above x2, y = -1 below.

    Args:
        input1, input2 (Tensor): scores, (N) or ().
        target (Tensor): labels 1 or -1, same number of dimensions; differentiated as in torch.
        margin (float): Default: 0.
        reduction (str): 'none' | 'mean' | 'sum'. Default: 'mean'.
    """
    _check_tensors("margin_ranking_loss", input1=input1, input2=input2, target=target)
    reduction = R.resolve(size_average, reduce, reduction)
    if input1.dim() != input2.dim() or input1.dim() != target.dim():
        raise RuntimeError(
            f"margin_ranking_loss : All input tensors should have same dimension but got sizes: "
            f"input1: {input1.size()}, input2: {input2.size()}, target: {target.size()} ")
    loss = (-target * (input1 - input2) + margin).clamp_min(0)
    return R.apply_tensor(loss, reduction)


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None,
                         reduction="mean"):
    """x where y = 1, max(0, margin - x) where y = -1 (both terms for any other label).

    Args:
        input (Tensor): distances, any shape.
        target (Tensor): labels 1 or -1, broadcastable to input.
        margin (float): Default: 1.0.
        reduction (str): 'none' | 'mean' | 'sum'. Default: 'mean'.
    """
    _check_tensors("hinge_embedding_loss", input=input, target=target)
    reduction = R.resolve(size_average, reduce, reduction)
    # torch's where(target != 1, ...) meets the shapes in this order (nnx.where's own
    # message names no dimension)
    H.broadcast_shapes(target._data.shape, input._data.shape)
    zeros = nnx.zeros_like(input)
    margin_clamp = (margin - input).clamp_min(0)
    output_margin = nnx.where(target != 1, margin_clamp, zeros)
    output_self = nnx.where(target != -1, input, zeros)
    return R.apply_tensor(output_margin + output_self, reduction)


def _check_cosine_dims(input1, input2, target):
    if target.dim() not in (0, 1):
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    sizes = f"{list(input1.shape)} and {list(input2.shape)}."
    if target.dim() == 1 and not (input1.dim() == 2 and input2.dim() == 2):
        raise RuntimeError(f"1D target tensor expects 2D input tensors, but found inputs with "
                           f"sizes {sizes}")
    if target.dim() == 0 and not (input1.dim() == 1 and input2.dim() == 1):
        raise RuntimeError(f"0D target tensor expects 1D input tensors, but found inputs with "
                           f"sizes {sizes}")


def cosine_embedding_loss(input1, input2, target, margin=0, size_average=None, reduce=None,
                          reduction="mean"):
    """1 - cos(x1, x2) where y = 1, max(0, cos(x1, x2) - margin) where y = -1 (0 otherwise).

    cos = <x1, x2> / sqrt((|x1|^2 + 1e-12) (|x2|^2 + 1e-12)), as ATen computes it.

    Args:
        input1, input2 (Tensor): (N, D) or (D).
        target (Tensor): labels 1 or -1, (N) or (); not differentiated.
        margin (float): in [-1, 1], 0 to 0.5 suggested. Default: 0.
        reduction (str): 'none' | 'mean' | 'sum'. Default: 'mean'.
    """
    _check_tensors("cosine_embedding_loss", input1=input1, input2=input2, target=target)
    reduction = R.resolve(size_average, reduce, reduction)
    _check_cosine_dims(input1, input2, target)
    dim = target.dim()
    prod_sum = (input1 * input2).sum(dim)
    mag_square1 = (input1 * input1).sum(dim) + _COSINE_EPSILON
    mag_square2 = (input2 * input2).sum(dim) + _COSINE_EPSILON
    cos = prod_sum / (mag_square1 * mag_square2).sqrt()
    H.broadcast_shapes(target._data.shape, cos._data.shape)     # torch's where() message
    zeros = nnx.zeros_like(cos)
    pos = 1 - cos
    neg = (cos - margin).clamp_min(0)
    output = nnx.where(target == 1, pos, zeros) + nnx.where(target == -1, neg, zeros)
    return R.apply_tensor(output, reduction)


def _pairwise_distance(x1, x2, p, eps):
    """torch.pairwise_distance: the p-norm of x1 - x2 + eps over the last dimension."""
    return (x1 - x2 + eps).norm(p, dim=-1)


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False,
                        size_average=None, reduce=None, reduction="mean"):
    """max(0, d(a, p) - d(a, n) + margin), d the p-norm distance over the last dimension.

    Args:
        anchor, positive, negative (Tensor): (N, D) or (D), broadcastable to each other.
        margin (float): > 0. Default: 1.0.
        p (float): the norm's degree. Default: 2.
        eps (float): added to the differences (torch.pairwise_distance). Default: 1e-6.
        swap (bool): use min(d(a, n), d(p, n)) as the negative distance (Balntas et al.,
            "Learning shallow convolutional feature descriptors with triplet losses").
        reduction (str): 'none' | 'mean' | 'sum'. Default: 'mean'.
    """
    _check_tensors("triplet_margin_loss", anchor=anchor, positive=positive, negative=negative)
    reduction = R.resolve(size_average, reduce, reduction)
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    a_dim, p_dim, n_dim = anchor.dim(), positive.dim(), negative.dim()
    if not a_dim == p_dim == n_dim:
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have "
                           f"the same number of dimensions, but got: anchor {a_dim}D, positive "
                           f"{p_dim}D, and negative {n_dim}D inputs")
    dist_pos = _pairwise_distance(anchor, positive, p, eps)
    dist_neg = _pairwise_distance(anchor, negative, p, eps)
    if swap:
        dist_neg = nnx.minimum(dist_neg, _pairwise_distance(positive, negative, p, eps))
    loss = (dist_pos + margin - dist_neg).clamp_min(0)     # ATen: margin + d_pos - d_neg
    return R.apply_tensor(loss, reduction)
