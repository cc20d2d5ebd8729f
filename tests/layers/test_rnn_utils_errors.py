"""nnx.nn.utils.rnn refuses bad input with torch 2.13's exception types and messages.

Every expected message below was produced by torch==2.13.0 (CPU) on the same call with
torch tensors, except the rows marked "nnx": there torch reads memory past the input or
fails inside a copy, and nnx raises its own clear error instead.
"""

import numpy as np
import pytest

import nnx
from nnx.nn.utils import rnn as R

SORTED = (
    "`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. You "
    "can pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to sidestep "
    "this requirement if you do not need ONNX exportability.")
NONPOSITIVE = ("Length of all samples has to be greater than 0, but found an element in "
               "'lengths' that is <= 0")
DIM1 = "Dimension out of range (expected to be in range of [-1, 0], but got 1)"


def x322():
    return nnx.randn(3, 2, 2)


def packed():
    return R.pack_sequence([nnx.ones(3), nnx.ones(2)])


CASES = {
    # pack_padded_sequence
    "pack_unsorted": (lambda: R.pack_padded_sequence(x322(), [2, 3]), RuntimeError, SORTED),
    "pack_zero_length": (lambda: R.pack_padded_sequence(x322(), [3, 0]), RuntimeError,
                         NONPOSITIVE),
    "pack_negative_unsorted": (
        lambda: R.pack_padded_sequence(x322(), [3, -1], enforce_sorted=False), RuntimeError,
        NONPOSITIVE),
    "pack_too_many_lengths": (
        lambda: R.pack_padded_sequence(x322(), [3, 2, 1]), RuntimeError,
        "Expected `len(lengths)` to be equal to batch_size, but got 3 (batch_size=2)"),
    "pack_too_few_lengths": (
        lambda: R.pack_padded_sequence(x322(), [3]), RuntimeError,
        "Expected `len(lengths)` to be equal to batch_size, but got 1 (batch_size=2)"),
    "pack_lengths_2d": (
        lambda: R.pack_padded_sequence(x322(), nnx.tensor([[3, 2]])), RuntimeError,
        "'lengths' argument should be a 1D CPU int64 tensor, but got 2D cpu Long tensor"),
    "pack_lengths_0d": (
        lambda: R.pack_padded_sequence(x322(), nnx.tensor(3)), RuntimeError,
        "'lengths' argument should be a 1D CPU int64 tensor, but got 0D cpu Long tensor"),
    "pack_lengths_int": (
        lambda: R.pack_padded_sequence(x322(), 3), RuntimeError,
        "'lengths' argument should be a 1D CPU int64 tensor, but got 0D cpu Long tensor"),
    "pack_lengths_str": (lambda: R.pack_padded_sequence(x322(), "ab"), TypeError,
                         "new(): invalid data type 'str'"),
    "pack_lengths_strs": (lambda: R.pack_padded_sequence(x322(), ["a", "b"]), ValueError,
                          "too many dimensions 'str'"),
    "pack_1d_input": (lambda: R.pack_padded_sequence(nnx.ones(3), [3]), IndexError, DIM1),
    "pack_1d_input_batch_first": (
        lambda: R.pack_padded_sequence(nnx.ones(3), [2], batch_first=True), IndexError, DIM1),
    "pack_1d_input_unsorted": (
        lambda: R.pack_padded_sequence(nnx.ones(3), [2], enforce_sorted=False), IndexError,
        DIM1),
    "pack_empty_batch": (lambda: R.pack_padded_sequence(nnx.ones(3, 0, 2), []), RuntimeError,
                         "Cannot pack empty tensors."),
    "pack_empty_steps": (lambda: R.pack_padded_sequence(nnx.ones(0, 2, 2), [1, 1]),
                         RuntimeError, "Cannot pack empty tensors."),
    "pack_input_list": (
        lambda: R.pack_padded_sequence([1, 2], [2, 1]), TypeError,
        "_pack_padded_sequence(): argument 'input' (position 1) must be Tensor, not list"),
    "pack_batch_first_int": (
        lambda: R.pack_padded_sequence(nnx.ones(3, 2), [2, 1], batch_first=1), TypeError,
        "_pack_padded_sequence(): argument 'batch_first' (position 3) must be bool, not int"),
    "pack_unsorted_lengths_2d": (
        lambda: R.pack_padded_sequence(x322(), nnx.tensor([[3, 2]]), enforce_sorted=False),
        IndexError, "index_select(): Index is supposed to be a vector"),
    "pack_unsorted_too_many_lengths": (
        lambda: R.pack_padded_sequence(x322(), [3, 2, 2], enforce_sorted=False), RuntimeError,
        "INDICES element is out of DATA bounds, id=2 axis_dim=2"),
    # nnx: torch reads past the input (garbage batch_sizes) on the CPU
    "pack_length_past_input": (
        lambda: R.pack_padded_sequence(x322(), [5, 2]), RuntimeError,
        "Expected every length to be at most the padded sequence length 3, but got a length "
        "of 5"),
    # pad_packed_sequence
    "unpack_total_length_short": (
        lambda: R.pad_packed_sequence(R.pack_padded_sequence(x322(), [3, 2]), total_length=2),
        ValueError,
        "Expected total_length to be at least the length of the longest sequence in input, "
        "but got total_length=2 and max sequence length being 3"),
    "unpack_total_length_float_short": (
        lambda: R.pad_packed_sequence(packed(), total_length=1.0), ValueError,
        "Expected total_length to be at least the length of the longest sequence in input, "
        "but got total_length=1.0 and max sequence length being 3"),
    "unpack_total_length_float": (
        lambda: R.pad_packed_sequence(packed(), total_length=5.5), TypeError,
        "_pad_packed_sequence(): argument 'total_length' (position 5) must be int, not float"),
    "unpack_padding_str": (
        lambda: R.pad_packed_sequence(packed(), padding_value="a"), TypeError,
        "_pad_packed_sequence(): argument 'padding_value' (position 4) must be Number, "
        "not str"),
    "unpack_padding_none": (
        lambda: R.pad_packed_sequence(packed(), padding_value=None), TypeError,
        "_pad_packed_sequence(): argument 'padding_value' (position 4) must be Number, "
        "not NoneType"),
    "unpack_batch_first_int": (
        lambda: R.pad_packed_sequence(packed(), batch_first=1), TypeError,
        "_pad_packed_sequence(): argument 'batch_first' (position 3) must be bool, not int"),
    "unpack_tuple": (
        lambda: R.pad_packed_sequence((nnx.ones(3), nnx.tensor([2, 1]))), AttributeError,
        "'tuple' object has no attribute 'batch_sizes'"),
    "unpack_int32_batch_sizes": (
        lambda: R.pad_packed_sequence(R.PackedSequence(nnx.ones(3), nnx.tensor([2, 1]).int())),
        RuntimeError,
        "'lengths' argument should be a 1D CPU int64 tensor, but got 1D cpu Int tensor"),
    "unpack_empty_batch_sizes": (
        lambda: R.pad_packed_sequence(
            R.PackedSequence(nnx.ones(0), nnx.tensor([], dtype=nnx.int64))),
        RuntimeError, "batch_sizes can not be empty"),
    "unpack_unsorted_out_of_range": (
        lambda: R.pad_packed_sequence(R.PackedSequence(
            nnx.ones(2, 2), nnx.tensor([1, 1]), None, nnx.tensor([1, 0]))),
        IndexError, "index out of range in self"),
    "unpack_sequence_unsorted_out_of_range": (
        lambda: R.unpack_sequence(R.PackedSequence(
            nnx.ones(2, 2), nnx.tensor([1, 1]), None, nnx.tensor([1, 0]))),
        IndexError, "index out of range in self"),
    # nnx: torch fails inside a copy with a broadcast message, or ignores the problem
    "unpack_increasing_batch_sizes": (
        lambda: R.pad_packed_sequence(R.PackedSequence(nnx.ones(3), nnx.tensor([1, 2]))),
        RuntimeError, "batch_sizes must be non-increasing and non-negative, but got [1, 2]"),
    "unpack_too_few_rows": (
        lambda: R.pad_packed_sequence(R.PackedSequence(nnx.ones(2), nnx.tensor([2, 1]))),
        RuntimeError, "Expected data to have at least sum(batch_sizes) = 3 rows, but got "
                      "shape [2]"),
    # pad_sequence
    "pad_empty": (lambda: R.pad_sequence([]), RuntimeError,
                  "received an empty list of sequences"),
    "pad_not_iterable": (
        lambda: R.pad_sequence(3), RuntimeError,
        "pad_sequence: Expected iterable for input sequences, but got arg of type: "
        "<class 'int'>"),
    "pad_side": (lambda: R.pad_sequence([nnx.ones(2)], padding_side="middle"), RuntimeError,
                 "Expected padding_side to be one of left or right, but got middle."),
    "pad_trailing_mismatch": (
        lambda: R.pad_sequence([nnx.ones(2, 3), nnx.ones(1, 4)]), RuntimeError,
        "The size of tensor a (3) must match the size of tensor b (4) at non-singleton "
        "dimension 1"),
    "pad_broadcast_grows": (
        lambda: R.pad_sequence([nnx.ones(2, 3), nnx.ones(1, 3, 1)]), RuntimeError,
        "output with shape [1, 3] doesn't match the broadcast shape [1, 3, 3]"),
    "pad_extra_dim": (
        lambda: R.pad_sequence([nnx.ones(2, 3), nnx.ones(1, 2, 3)]), RuntimeError,
        "output with shape [1, 3] doesn't match the broadcast shape [1, 2, 3]"),
    "pad_first_0d": (lambda: R.pad_sequence([nnx.tensor(1.0), nnx.ones(1)]), RuntimeError,
                     "ArrayRef: invalid slice, N = 1; size = 0"),
    "pad_later_0d": (lambda: R.pad_sequence([nnx.ones(1), nnx.tensor(1.0)]), IndexError,
                     "Dimension specified as 0 but tensor has no dimensions"),
    "pad_not_tensor": (lambda: R.pad_sequence([nnx.ones(2), [1, 2]]), TypeError,
                       "expected Tensor as element 1 in argument 0, but got list"),
    "pad_value_str": (
        lambda: R.pad_sequence([nnx.ones(2)], padding_value="a"), TypeError,
        "pad_sequence(): argument 'padding_value' (position 3) must be float, not str"),
    "pad_value_complex": (
        lambda: R.pad_sequence([nnx.ones(2)], padding_value=1 + 2j), TypeError,
        "pad_sequence(): argument 'padding_value' (position 3) must be float, not complex"),
    "pad_side_none": (
        lambda: R.pad_sequence([nnx.ones(2)], padding_side=None), TypeError,
        "pad_sequence(): argument 'padding_side' (position 4) must be str, not NoneType"),
    "pad_batch_first_int": (
        lambda: R.pad_sequence([nnx.ones(2)], batch_first=1), TypeError,
        "pad_sequence(): argument 'batch_first' (position 2) must be bool, not int"),
    # pack_sequence
    "pack_sequence_unsorted": (lambda: R.pack_sequence([nnx.ones(2), nnx.ones(3)]),
                               RuntimeError, SORTED),
    "pack_sequence_0d": (lambda: R.pack_sequence([nnx.ones(3), nnx.tensor(1.0)]), IndexError,
                         "Dimension specified as 0 but tensor has no dimensions"),
    "pack_sequence_empty": (lambda: R.pack_sequence([]), RuntimeError,
                            "received an empty list of sequences"),
    # unpad_sequence
    "unpad_lengths_longer": (
        lambda: R.unpad_sequence(nnx.zeros(3, 2), nnx.tensor([3, 1, 1])), ValueError,
        "zip() argument 2 is longer than argument 1"),
    "unpad_lengths_shorter": (
        lambda: R.unpad_sequence(nnx.zeros(3, 2), nnx.tensor([3])), ValueError,
        "zip() argument 2 is shorter than argument 1"),
    # PackedSequence
    "packed_one_tensor": (lambda: R.PackedSequence(nnx.ones(3)), AssertionError,
                          "Expected data to be a list or tuple of length 2"),
    "packed_batch_sizes_list": (lambda: R.PackedSequence(nnx.ones(2), [1, 1]), AttributeError,
                                "'list' object has no attribute 'device'"),
    "packed_pin_memory": (lambda: packed().pin_memory(), RuntimeError,
                          "Cannot access accelerator device when none is available."),
    # invert_permutation
    "invert_int32": (lambda: R.invert_permutation(nnx.tensor([2, 0, 1]).int()), RuntimeError,
                     "scatter(): Expected self.dtype to be equal to src.dtype"),
    "invert_float": (lambda: R.invert_permutation(nnx.tensor([2.0, 0, 1])), RuntimeError,
                     "scatter(): Expected dtype int32/int64 for index"),
    "invert_out_of_range": (lambda: R.invert_permutation(nnx.tensor([2, 0, 5])), RuntimeError,
                            "index 5 is out of bounds for dimension 0 with size 3"),
    "invert_negative": (lambda: R.invert_permutation(nnx.tensor([-1, 0, 1])), RuntimeError,
                        "index -1 is out of bounds for dimension 0 with size 3"),
    "invert_list": (lambda: R.invert_permutation([2, 0, 1]), TypeError,
                    "empty_like(): argument 'input' (position 1) must be Tensor, not list"),
    "invert_2d": (lambda: R.invert_permutation(nnx.tensor([[1, 0], [0, 1]])), IndexError,
                  DIM1),
}


@pytest.mark.parametrize("name", list(CASES))
def test_error_matches_torch(name):
    call, exc_type, message = CASES[name]
    with pytest.raises(exc_type) as info:
        call()
    assert type(info.value) is exc_type
    assert str(info.value) == message


def test_cuda_is_refused_by_the_cpu_build():
    with pytest.raises(RuntimeError, match="cuda"):
        packed().cuda()


def test_lengths_on_a_gpu_message():
    # this CPU build cannot make a CUDA tensor: check the check itself against the text
    # torch 2.13 gives for CUDA lengths
    from nnx_layers._rnn_args import check_long_1d

    with pytest.raises(RuntimeError) as info:
        check_long_1d(np.array([3, 2]), nnx.device("cuda:0"))
    assert str(info.value) == (
        "'lengths' argument should be a 1D CPU int64 tensor, but got 1D cuda:0 Long tensor")
