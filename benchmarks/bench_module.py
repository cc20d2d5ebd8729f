"""Module machinery against torch.nn in the same process: the cost of calling a module,
of walking its parameters, of state_dict / load_state_dict, and of optimizer steps.

The model is a stack of DEPTH linear layers (nnx: a Module holding two Parameters and
calling F.linear, since layers live in nnx-layers; torch: nn.Linear), so both libraries
have the same tree, parameter count and state_dict keys.
"""

from _timing import compare, report, try_import_torch

import nnx

DEPTH = 50
WIDTH = 64


def nnx_model():
    from nnx import nn

    class Linear(nn.Module):
        def __init__(self, n_in, n_out):
            super().__init__()
            self.weight = nn.Parameter(nnx.randn(n_out, n_in) * 0.05)
            self.bias = nn.Parameter(nnx.zeros(n_out))

        def forward(self, x):
            return nn.functional.linear(x, self.weight, self.bias)

    return nn.Sequential(*[Linear(WIDTH, WIDTH) for _ in range(DEPTH)])


def torch_model(torch):
    return torch.nn.Sequential(*[torch.nn.Linear(WIDTH, WIDTH) for _ in range(DEPTH)])


def cases(lib, model, optim):
    x = lib.randn(8, WIDTH)
    model(x).sum().backward()
    state = model.state_dict()
    adam = optim.Adam(model.parameters(), lr=1e-3)
    sgd = optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)
    return {
        "forward (50 module calls)": lambda: model(x),
        "parameters() walk": lambda: sum(1 for _ in model.parameters()),
        "state_dict()": lambda: model.state_dict(),
        "load_state_dict()": lambda: model.load_state_dict(state),
        "zero_grad(set_to_none=False)": lambda: model.zero_grad(set_to_none=False),
        "Adam step (100 params)": adam.step,
        "SGD momentum step (100 params)": sgd.step,
    }


def main():
    torch = try_import_torch()
    nnx.manual_seed(0)
    per_lib = {"nnx": cases(nnx, nnx_model(), nnx.optim)}
    if torch is not None:
        per_lib["torch"] = cases(torch, torch_model(torch), torch.optim)
    rows = compare(per_lib, 1e6, "us", rounds=5, repeat=9)
    report(f"module machinery ({DEPTH} linear layers of {WIDTH}, 1 thread)", rows)


if __name__ == "__main__":
    main()
