"""nnx.nn.init: parameter initialisation (torch.nn.init)."""
