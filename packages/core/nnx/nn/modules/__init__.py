"""Module, the containers and hooks (torch.nn.modules)."""

from nnx.nn.modules.module import Module
from nnx.nn.modules.module_dict import ModuleDict
from nnx.nn.modules.module_list import ModuleList
from nnx.nn.modules.parameter_dict import ParameterDict
from nnx.nn.modules.parameter_list import ParameterList
from nnx.nn.modules.sequential import Sequential
