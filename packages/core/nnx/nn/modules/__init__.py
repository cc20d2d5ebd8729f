"""Module, Parameter containers and hooks (torch.nn.modules)."""
