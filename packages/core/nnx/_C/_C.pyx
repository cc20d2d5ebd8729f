# nnx._C: the tensor and autograd engine in one extension module, assembled from files
# that each hold one concern.  Order matters only for Cython's compile-time names.

include "state.pxi"
include "dtypes.pxi"
include "version_counter.pxi"
include "backward_helpers.pxi"
include "node.pxi"
include "engine.pxi"
include "binary.pxi"
include "unary.pxi"
include "tensor_base.pxi"
include "python_ops.pxi"
include "special.pxi"
