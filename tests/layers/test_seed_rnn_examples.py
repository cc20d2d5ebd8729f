"""The seed document's recurrent examples (RNN, LSTM, GRU and their cells), as written with
``torch`` replaced by ``nnx``; shapes are PyTorch 2.x's."""

import nnx
import nnx.nn as nn
from nnx.autograd import Variable


def test_rnn_example():
    rnn = nn.RNN(10, 20, 2)
    input = Variable(nnx.randn(5, 3, 10))
    h0 = Variable(nnx.randn(2, 3, 20))
    output, hn = rnn(input, h0)
    assert output.shape == (5, 3, 20) and hn.shape == (2, 3, 20)
    assert nnx.equal(output[-1], hn[-1])


def test_lstm_example():
    rnn = nn.LSTM(10, 20, 2)
    input = Variable(nnx.randn(5, 3, 10))
    h0 = Variable(nnx.randn(2, 3, 20))
    c0 = Variable(nnx.randn(2, 3, 20))
    output, hn = rnn(input, (h0, c0))
    assert output.shape == (5, 3, 20)
    assert [t.shape for t in hn] == [(2, 3, 20), (2, 3, 20)]
    (output.sum() + hn[1].sum()).backward()
    assert rnn.weight_ih_l0.grad.shape == (80, 10)


def test_gru_example():
    rnn = nn.GRU(10, 20, 2)
    input = Variable(nnx.randn(5, 3, 10))
    h0 = Variable(nnx.randn(2, 3, 20))
    output, hn = rnn(input, h0)
    assert output.shape == (5, 3, 20) and hn.shape == (2, 3, 20)


def test_rnn_cell_example():
    rnn = nn.RNNCell(10, 20)
    input = Variable(nnx.randn(6, 3, 10))
    hx = Variable(nnx.randn(3, 20))
    output = []
    for i in range(6):
        hx = rnn(input[i], hx)
        output.append(hx)
    assert len(output) == 6 and output[-1].shape == (3, 20)


def test_lstm_cell_example():
    rnn = nn.LSTMCell(10, 20)
    input = Variable(nnx.randn(6, 3, 10))
    hx = Variable(nnx.randn(3, 20))
    cx = Variable(nnx.randn(3, 20))
    output = []
    for i in range(6):
        hx, cx = rnn(input[i], (hx, cx))
        output.append(hx)
    assert len(output) == 6 and cx.shape == (3, 20)


def test_gru_cell_example():
    rnn = nn.GRUCell(10, 20)
    input = Variable(nnx.randn(6, 3, 10))
    hx = Variable(nnx.randn(3, 20))
    output = []
    for i in range(6):
        hx = rnn(input[i], hx)
        output.append(hx)
    nnx.stack(output).sum().backward()
    assert rnn.weight_hh.grad.shape == (60, 20)
