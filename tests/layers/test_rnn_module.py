"""RNN / LSTM / GRU and cells: constructor checks, parameters, reprs, forward checks and
layouts.  Every message below was copied from torch 2.13 (torch's ``torch.float32`` reads
``nnx.float32`` here)."""

import warnings

import numpy as np
import pytest

import nnx
import nnx.nn as nn


def _raises(exc, message, fn, *args, **kwargs):
    with pytest.raises(exc) as info:
        fn(*args, **kwargs)
    assert str(info.value) == message


# -- constructors -------------------------------------------------------------------------

@pytest.mark.parametrize("call,exc,message", [
    (lambda: nn.LSTM(3, 4, num_layers=0), ValueError, "num_layers must be greater than zero"),
    (lambda: nn.LSTM(3, 4, dropout=True), ValueError,
     "dropout should be a number in range [0, 1] representing the probability of an element "
     "being zeroed"),
    (lambda: nn.GRU(3, 4, dropout=1.5), ValueError,
     "dropout should be a number in range [0, 1] representing the probability of an element "
     "being zeroed"),
    (lambda: nn.GRU(3, 4, proj_size=1), ValueError,
     "proj_size argument is only supported for LSTM, not RNN or GRU"),
    (lambda: nn.RNN(3, 4, proj_size=1), ValueError,
     "proj_size argument is only supported for LSTM, not RNN or GRU"),
    (lambda: nn.LSTM(3, 4, proj_size=4), ValueError,
     "proj_size has to be smaller than hidden_size"),
    (lambda: nn.LSTM(3, 4, proj_size=-1), ValueError,
     "proj_size should be a positive integer or zero to disable projections"),
    (lambda: nn.LSTM(3.0, 4), TypeError, "input_size should be of type int, got: float"),
    (lambda: nn.LSTM(3, 4.0), TypeError, "hidden_size should be of type int, got: float"),
    (lambda: nn.LSTM(3, 0), ValueError, "hidden_size must be greater than zero"),
    (lambda: nn.GRU(0, 4), ValueError, "input_size must be greater than zero"),
    (lambda: nn.RNN(3, 4, 2, "sigmoid"), ValueError,
     "Unknown nonlinearity 'sigmoid'. Select from 'tanh' or 'relu'."),
    (lambda: nn.LSTM(3, 4, bias=1), TypeError, "bias should be of type bool, got: int"),
])
def test_constructor_errors(call, exc, message):
    _raises(exc, message, call)


def test_dropout_with_one_layer_warns():
    with pytest.warns(UserWarning) as record:
        nn.GRU(3, 4, dropout=0.5)
    assert str(record[0].message) == (
        "dropout option adds dropout after all but last recurrent layer, so non-zero dropout "
        "expects num_layers greater than 1, but got dropout=0.5 and num_layers=1")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nn.GRU(3, 4, 2, dropout=0.5)


def test_parameter_names_order_and_shapes():
    m = nn.LSTM(3, 4, 2, proj_size=2, bidirectional=True)
    shapes = {k: tuple(v.shape) for k, v in m.state_dict().items()}
    assert list(shapes) == [
        f"{w}_l{layer}{sfx}" for layer in (0, 1) for sfx in ("", "_reverse")
        for w in ("weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr")]
    assert shapes["weight_ih_l0"] == (16, 3)
    assert shapes["weight_ih_l1"] == (16, 4)
    assert shapes["weight_hh_l1_reverse"] == (16, 2)
    assert shapes["weight_hr_l0"] == (2, 4)
    assert shapes["bias_hh_l0"] == (16,)
    g = nn.GRU(3, 5, bias=False)
    assert [(k, tuple(v.shape)) for k, v in g.named_parameters()] == [
        ("weight_ih_l0", (15, 3)), ("weight_hh_l0", (15, 5))]
    assert g._flat_weights_names == ["weight_ih_l0", "weight_hh_l0"]
    cell = nn.LSTMCell(3, 4, bias=False)
    assert [k for k, _ in cell.named_parameters()] == ["weight_ih", "weight_hh"]
    assert cell.bias_ih is None


def test_init_is_uniform_within_one_over_sqrt_hidden():
    for module in (nn.LSTM(8, 16, 2, proj_size=4), nn.GRUCell(3, 16), nn.RNN(3, 16)):
        values = np.concatenate([p.detach().numpy().ravel() for p in module.parameters()])
        assert np.abs(values).max() <= 0.25
        assert np.abs(values).max() > 0.2 and abs(values.mean()) < 0.05
    nnx.manual_seed(0)
    m = nn.GRU(3, 4)
    before = m.weight_ih_l0.detach().numpy().copy()
    m.reset_parameters()
    assert not np.array_equal(before, m.weight_ih_l0.detach().numpy())


def test_reprs_match_torch():
    assert repr(nn.LSTM(3, 4, 2, dropout=0.5, bidirectional=True, proj_size=2, bias=False,
                        batch_first=True)) == (
        "LSTM(3, 4, proj_size=2, num_layers=2, bias=False, batch_first=True, dropout=0.5, "
        "bidirectional=True)")
    assert repr(nn.RNN(3, 4, nonlinearity="relu")) == "RNN(3, 4)"
    assert repr(nn.GRU(3, 4)) == "GRU(3, 4)"
    assert repr(nn.RNNCell(3, 4, nonlinearity="relu", bias=False)) == (
        "RNNCell(3, 4, bias=False, nonlinearity=relu)")
    assert repr(nn.LSTMCell(3, 4)) == "LSTMCell(3, 4)"


def test_all_weights_and_reassignment():
    m = nn.GRU(3, 4, 2, bidirectional=True)
    assert len(m.all_weights) == 4
    assert m.all_weights[1][0] is m.weight_ih_l0_reverse
    assert m.flatten_parameters() is None
    x = nnx.randn(5, 2, 3)
    m.weight_hh_l1 = nn.Parameter(nnx.zeros(12, 4))       # picked up at the next call
    assert m._flat_weights[9] is m.weight_hh_l1
    zeroed = m(x)[0].detach().numpy()
    m.weight_hh_l1 = nn.Parameter(nnx.ones(12, 4))
    assert not np.allclose(zeroed, m(x)[0].detach().numpy())


# -- forward checks -----------------------------------------------------------------------

@pytest.mark.parametrize("call,exc,message", [
    (lambda: nn.LSTM(3, 4)(nnx.randn(0, 2, 3)), RuntimeError,
     "Expected sequence length to be larger than 0 in RNN"),
    (lambda: nn.GRU(3, 4)(nnx.randn(5, 2, 3, dtype=nnx.float64)), ValueError,
     "RNN input dtype (nnx.float64) does not match weight dtype (nnx.float32). Convert input: "
     "input.to(nnx.float32), or convert model: model.to(nnx.float64)"),
    (lambda: nn.RNN(3, 4)(nnx.randn(5, 2, 3), nnx.randn(2, 4)), RuntimeError,
     "For batched 3-D input, hx should also be 3-D but got 2-D tensor"),
    (lambda: nn.GRU(3, 4)(nnx.randn(5, 3), nnx.randn(1, 1, 4)), RuntimeError,
     "For unbatched 2-D input, hx should also be 2-D but got 3-D tensor"),
    (lambda: nn.LSTM(3, 4)(nnx.randn(5, 3), (nnx.randn(1, 2, 4), nnx.randn(1, 2, 4))),
     RuntimeError,
     "For unbatched 2-D input, hx and cx should also be 2-D but got (3-D, 3-D) tensors"),
    (lambda: nn.LSTM(3, 4, batch_first=True)(nnx.randn(2, 5, 3),
                                             (nnx.randn(1, 3, 4), nnx.randn(1, 2, 4))),
     RuntimeError, "Expected hidden[0] size (1, 2, 4), got [1, 3, 4]"),
    (lambda: nn.LSTM(3, 4, batch_first=True)(nnx.randn(2, 5, 3),
                                             (nnx.randn(1, 2, 4), nnx.randn(1, 2, 5))),
     RuntimeError, "Expected hidden[1] size (1, 2, 4), got [1, 2, 5]"),
    (lambda: nn.LSTM(3, 4, proj_size=2)(nnx.randn(5, 2, 3),
                                        (nnx.randn(1, 2, 4), nnx.randn(1, 2, 4))),
     RuntimeError, "Expected hidden[0] size (1, 2, 2), got [1, 2, 4]"),
    (lambda: nn.RNN(3, 4)(nnx.randn(5, 3), nnx.randn(1, 5)), RuntimeError,
     "Expected hidden size (1, 1, 4), got [1, 1, 5]"),
    (lambda: nn.RNN(3, 4)(nnx.randn(5, 2, 3), nnx.randn(1, 3, 4)), RuntimeError,
     "Expected hidden size (1, 2, 4), got [1, 3, 4]"),
    (lambda: nn.GRU(3, 4)(nnx.randn(5, 2, 3, 4)), ValueError,
     "GRU: Expected input to be 2D or 3D, got 4D instead"),
    (lambda: nn.LSTM(3, 4)(nnx.randn(3)), ValueError,
     "LSTM: Expected input to be 2D or 3D, got 1D instead"),
    (lambda: nn.RNN(3, 4)(nnx.randn(5, 2, 3, 4)), ValueError,
     "RNN: Expected input to be 2D or 3D, got 4D tensor instead"),
    (lambda: nn.LSTM(3, 4)(nnx.randn(5, 2, 7)), RuntimeError,
     "input.size(-1) must be equal to input_size. Expected 3, got 7"),
    # cells
    (lambda: nn.LSTMCell(3, 4)(nnx.randn(2, 5)), RuntimeError,
     "input has inconsistent input_size: got 5 expected 3"),
    (lambda: nn.LSTMCell(3, 4)(nnx.randn(2, 3), (nnx.randn(3, 4), nnx.randn(3, 4))),
     RuntimeError, "Input batch size 2 doesn't match hidden0 batch size 3"),
    (lambda: nn.LSTMCell(3, 4)(nnx.randn(2, 3), (nnx.randn(2, 5), nnx.randn(2, 4))),
     RuntimeError, "hidden0 has inconsistent hidden_size: got 5, expected 4"),
    (lambda: nn.LSTMCell(3, 4)(nnx.randn(2, 3), (nnx.randn(2, 4), nnx.randn(2, 5))),
     RuntimeError, "hidden1 has inconsistent hidden_size: got 5, expected 4"),
    (lambda: nn.LSTMCell(3, 4)(nnx.randn(2, 3), (nnx.randn(2, 4), nnx.randn(3, 4))),
     RuntimeError, "Input batch size 2 doesn't match hidden1 batch size 3"),
    (lambda: nn.LSTMCell(3, 4)(nnx.randn(2, 3), (nnx.randn(2, 4),)), RuntimeError,
     "lstm_cell expects two hidden states"),
    (lambda: nn.LSTMCell(3, 4)(nnx.randn(2, 3), (nnx.randn(2, 4, 1), nnx.randn(2, 4))),
     ValueError, "LSTMCell: Expected hx[0] to be 1D or 2D, got 3D instead"),
    (lambda: nn.GRUCell(3, 4)(nnx.randn(2, 3, 1)), ValueError,
     "GRUCell: Expected input to be 1D or 2D, got 3D instead"),
    (lambda: nn.GRUCell(3, 4)(nnx.randn(2, 3), nnx.randn(2, 4, 1)), ValueError,
     "GRUCell: Expected hidden to be 1D or 2D, got 3D instead"),
    (lambda: nn.GRUCell(3, 4)(nnx.randn(3), nnx.randn(2, 4)), RuntimeError,
     "hidden0 has inconsistent hidden_size: got 2, expected 4"),
    (lambda: nn.RNNCell(3, 4, nonlinearity="sigmoid")(nnx.randn(2, 3)), RuntimeError,
     "Unknown nonlinearity: sigmoid"),
    (lambda: nn.LSTMCell(3, 4)(nnx.randn(2, 3, 4)), ValueError,
     "LSTMCell: Expected input to be 1D or 2D, got 3D instead"),
])
def test_forward_errors(call, exc, message):
    _raises(exc, message, call)


# -- layouts --------------------------------------------------------------------------------

def test_layouts_agree():
    nnx.manual_seed(1)
    m = nn.LSTM(3, 4, 2, bidirectional=True)
    x = nnx.randn(5, 2, 3)
    out, (h, c) = m(x)
    H = 4
    o = out.detach().numpy()
    assert np.allclose(h.detach().numpy()[-2], o[-1, :, :H])      # last layer, forward
    assert np.allclose(h.detach().numpy()[-1], o[0, :, H:])       # last layer, reverse
    m.batch_first = True
    out_bf, (h_bf, _) = m(nnx.tensor(x.numpy().transpose(1, 0, 2)))
    assert np.allclose(out_bf.detach().numpy().transpose(1, 0, 2), o)
    assert np.allclose(h_bf.detach().numpy(), h.detach().numpy())
    m.batch_first = False
    out_u, (h_u, c_u) = m(nnx.tensor(x.numpy()[:, 1]))             # unbatched == batch of 1
    assert out_u.shape == (5, 8) and h_u.shape == (4, 4) and c_u.shape == (4, 4)
    assert np.allclose(out_u.detach().numpy(), o[:, 1], atol=1e-6)
    assert np.allclose(c_u.detach().numpy(), c.detach().numpy()[:, 1], atol=1e-6)


def test_empty_batch():
    out, h = nn.GRU(3, 4, bidirectional=True)(nnx.randn(5, 0, 3))
    assert out.shape == (5, 0, 8) and h.shape == (2, 0, 4)


def test_packed_matches_each_sequence_alone():
    from nnx.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
    nnx.manual_seed(2)
    m = nn.GRU(3, 4, bidirectional=True, dtype=nnx.float64)
    x = nnx.randn(5, 3, 3, dtype=nnx.float64)
    lengths = [2, 5, 3]
    packed_out, h = m(pack_padded_sequence(x, nnx.tensor(lengths), enforce_sorted=False))
    padded, _ = pad_packed_sequence(packed_out)
    for b, n in enumerate(lengths):
        alone, h_alone = m(nnx.tensor(x.numpy()[:n, b]))
        assert np.allclose(padded.detach().numpy()[:n, b], alone.detach().numpy())
        assert np.allclose(padded.detach().numpy()[n:, b], 0)
        assert np.allclose(h.detach().numpy()[:, b], h_alone.detach().numpy())


def test_dropout_between_layers_in_training_only():
    nnx.manual_seed(3)
    m = nn.RNN(3, 4, 2, dropout=1.0, dtype=nnx.float64)    # p=1: layer 1 sees zeros
    x = nnx.randn(5, 2, 3, dtype=nnx.float64)
    out_eval = m.eval()(x)[0].detach().numpy()
    out_train, h_train = m.train()(x)
    last = nn.RNN(4, 4, dtype=nnx.float64)
    last.load_state_dict({k[:-1] + "0": v for k, v in m.state_dict().items() if k.endswith("1")})
    expected, _ = last(nnx.zeros(5, 2, 4, dtype=nnx.float64))
    assert np.allclose(out_train.detach().numpy(), expected.detach().numpy())
    assert not np.allclose(out_eval, out_train.detach().numpy())
    out_train.sum().backward()          # the mask is part of the graph
    assert np.allclose(m.weight_ih_l1.grad.numpy(), 0)


def test_float16_computes_in_float32_and_rounds():
    nnx.manual_seed(4)
    m32 = nn.LSTM(3, 4, bidirectional=True)
    m16 = nn.LSTM(3, 4, bidirectional=True, dtype=nnx.float16)
    m16.load_state_dict({k: v.half() for k, v in m32.state_dict().items()})
    x = nnx.randn(6, 2, 3).half()
    x.requires_grad_()
    out16, (h16, _) = m16(x)
    assert out16.dtype == nnx.float16 and h16.dtype == nnx.float16
    m32.load_state_dict({k: v.float() for k, v in m16.state_dict().items()})
    out32, _ = m32(x.detach().float())
    assert np.allclose(out16.detach().numpy(), out32.detach().numpy().astype(np.float16))
    out16.sum().backward()
    assert x.grad.dtype == nnx.float16 and m16.weight_hh_l0.grad.dtype == nnx.float16


def test_no_graph_without_grad_and_second_backward_fails():
    m = nn.LSTMCell(3, 4)
    with nnx.no_grad():
        h, c = m(nnx.randn(2, 3))
    assert h.grad_fn is None
    out, _ = nn.GRU(3, 4)(nnx.randn(4, 2, 3))
    out.sum().backward(retain_graph=True)
    out.sum().backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        out.sum().backward()


@pytest.mark.parametrize("cls,kwargs", [(nn.LSTM, {"proj_size": 2}), (nn.GRU, {}),
                                        (nn.RNN, {"nonlinearity": "relu"})])
def test_inference_path_equals_training_path(cls, kwargs):
    """Under no_grad the driver reuses one step's buffers instead of saving every step."""
    nnx.manual_seed(5)
    m = cls(3, 4, 2, bidirectional=True, **kwargs)
    x = nnx.randn(6, 3, 3)
    out, hidden = m(x)
    with nnx.no_grad():
        out_ng, hidden_ng = m(x)
    assert out.grad_fn is not None and out_ng.grad_fn is None
    assert np.array_equal(out.detach().numpy(), out_ng.numpy())
    def flat(h):
        return (h if isinstance(h, tuple) else (h,))
    for a, b in zip(flat(hidden), flat(hidden_ng)):
        assert np.array_equal(a.detach().numpy(), b.numpy())


def test_float16_cells_and_permute_hidden():
    cell = nn.LSTMCell(3, 4, dtype=nnx.float16)
    h, c = cell(nnx.randn(2, 3).half())
    assert h.dtype == nnx.float16 and c.dtype == nnx.float16 and h.shape == (2, 4)
    m = nn.LSTM(3, 4)
    hx = nnx.randn(1, 3, 4, requires_grad=True)
    order = nnx.tensor([2, 0, 1])
    h_perm, c_perm = m.permute_hidden((hx, hx), order)
    assert np.array_equal(h_perm.detach().numpy(), hx.detach().numpy()[:, [2, 0, 1]])
    h_perm.sum().backward()                 # the permutation stays in the graph
    assert np.array_equal(hx.grad.numpy(), np.ones((1, 3, 4)))
    assert m.permute_hidden(hx, None) is hx


def test_inconsistent_packed_batch_sizes_raise_instead_of_crashing():
    from nnx.nn.utils.rnn import PackedSequence
    m = nn.GRU(3, 4)
    # torch 2.13's message for more batch rows than data rows
    _raises(RuntimeError, "start (3) + length (3) exceeds dimension size (5).",
            m, PackedSequence(nnx.randn(5, 3), nnx.tensor([3, 3])))
    _raises(RuntimeError, "batch_sizes must be non-negative and non-increasing, got [2, 3]",
            m, PackedSequence(nnx.randn(5, 3), nnx.tensor([2, 3])))
    data = nnx.randn(7, 3, requires_grad=True)
    out, h = m(PackedSequence(data, nnx.tensor([3, 3])))   # extra rows: ignored
    assert out.data.shape == (7, 4) and np.all(out.data.detach().numpy()[6:] == 0)
    out.data.sum().backward()
    assert np.all(data.grad.numpy()[6:] == 0) and np.all(np.isfinite(m.weight_ih_l0.grad.numpy()))
    grad_w = m.weight_ih_l0.grad.numpy().copy()
    m.zero_grad()
    m(PackedSequence(data[:6], nnx.tensor([3, 3])))[0].data.sum().backward()
    assert np.allclose(m.weight_ih_l0.grad.numpy(), grad_w)


def test_reassigned_weight_of_wrong_shape_raises():
    m = nn.LSTM(3, 4)
    m.weight_hh_l0 = nn.Parameter(nnx.randn(16, 5))
    _raises(RuntimeError, "LSTM weight of layer/direction 0 has shape [16, 5], expected [16, 4]",
            m, nnx.randn(2, 1, 3))
    cell = nn.GRUCell(3, 4)
    cell.bias_ih = nn.Parameter(nnx.randn(7))
    _raises(RuntimeError, "GRU weight of layer/direction 0 has shape [7], expected [12]",
            cell, nnx.randn(2, 3))


def test_frozen_parameters_get_no_gradient():
    nnx.manual_seed(6)
    m = nn.LSTM(3, 4, 2, proj_size=2)
    full = nn.LSTM(3, 4, 2, proj_size=2)
    full.load_state_dict(m.state_dict())
    frozen = {"weight_ih_l0", "bias_hh_l1", "weight_hr_l1"}
    for name, p in m.named_parameters():
        p.requires_grad_(name not in frozen)
    x = nnx.randn(5, 2, 3, requires_grad=True)
    m(x)[0].sum().backward()
    full(x.detach())[0].sum().backward()
    for (name, p), q in zip(m.named_parameters(), full.parameters()):
        if name in frozen:
            assert p.grad is None
        else:
            assert np.allclose(p.grad.numpy(), q.grad.numpy())
