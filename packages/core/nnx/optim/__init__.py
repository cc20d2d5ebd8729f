"""nnx.optim: optimizers and learning-rate schedulers (torch.optim).

    >>> optimizer = nnx.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    >>> scheduler = nnx.optim.lr_scheduler.StepLR(optimizer, step_size=30)
    >>> for input, target in data:
    ...     optimizer.zero_grad()
    ...     loss_fn(model(input), target).backward()
    ...     optimizer.step()
    ... scheduler.step()

Every optimizer follows torch 2.13's single-tensor ("for-loop") implementation: same
update arithmetic, state entries, option checks and messages, ``state_dict`` format.
"""

from nnx.optim import lr_scheduler
from nnx.optim.adagrad import Adagrad
from nnx.optim.adam import Adam
from nnx.optim.adamw import AdamW
from nnx.optim.optimizer import Optimizer
from nnx.optim.rmsprop import RMSprop
from nnx.optim.sgd import SGD

__all__ = ["SGD", "Adagrad", "Adam", "AdamW", "Optimizer", "RMSprop", "lr_scheduler"]
