"""nnx's ops written in Python, one family per module, each forward beside its backward.

The contract (see nnx/_C/python_ops.pxi):

    from nnx._C._C import Node, attach, needs_grad, wrap, make_view

    class SumBackward1(Node):
        def backward(self, grad):            # ndarray (a Tensor under create_graph)
            return (grad_for_input_0,)         # one entry per input given to attach()

    def sum(input, dim=None, keepdim=False):
        out = wrap(np.sum(input._data, axis=..., keepdims=keepdim))
        if needs_grad(input):
            node = SumBackward1()
            node.input_shape = input._data.shape
            attach(node, (input,), out)
        return out

* ``wrap(ndarray)`` makes a new Tensor; ``make_view(ndarray, base)`` makes one that
  shares ``base``'s memory and version counter (views: reshape, permute, slicing ...).
* Tensors a backward reads are saved with ``node.save_for_backward(*tensors)`` (after
  ``attach`` when an output is among them) and read with ``node.saved_tensors``; this
  checks they were not modified in place and that the graph was not freed.
* Backward formulas use operators and the helpers of ``nnx._ops._grad`` so that they
  work on ndarrays and, for create_graph, on Tensors.
"""
