"""Flattening parameters into one vector and back (torch.nn.utils.convert_parameters)."""

import nnx

_SUPPORT_DEVICE_TYPES = ("cuda", "privateuseone")


def parameters_to_vector(parameters):
    r"""Flatten an iterable of parameters into a single vector.

    Args:
        parameters (Iterable[Tensor]): an iterable of Tensors that are the
            parameters of a model.

    Returns:
        The parameters represented by a single vector
    """
    param_device = None
    vec = []
    for param in parameters:
        param_device = _check_param_device(param, param_device)
        vec.append(param.view(-1))
    return nnx.cat(vec)


def vector_to_parameters(vec, parameters):
    r"""Copy slices of a vector into an iterable of parameters.

    Args:
        vec (Tensor): a single vector representing the parameters of a model.
        parameters (Iterable[Tensor]): an iterable of Tensors that are the
            parameters of a model.
    """
    if not isinstance(vec, nnx.Tensor):
        raise TypeError(f"expected nnx.Tensor, but got: {nnx.typename(vec)}")
    param_device = None
    pointer = 0
    for param in parameters:
        param_device = _check_param_device(param, param_device)
        num_param = param.numel()
        # slice the vector, reshape it, and replace the old data of the parameter
        param.data = vec[pointer : pointer + num_param].view_as(param).data
        pointer += num_param


def _check_param_device(param, old_param_device):
    """The device index of the first parameter (-1 for the CPU); a TypeError when a later
    one lives elsewhere."""
    if old_param_device is None:
        return param.get_device() if param.device.type in _SUPPORT_DEVICE_TYPES else -1
    if param.device.type in _SUPPORT_DEVICE_TYPES:
        warn = param.get_device() != old_param_device
    else:
        warn = old_param_device != -1
    if warn:
        raise TypeError(
            "Found two parameters on different devices, this is currently not supported."
        )
    return old_param_device
