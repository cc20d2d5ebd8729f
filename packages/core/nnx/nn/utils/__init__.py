"""nnx.nn.utils: gradient clipping and parameter/vector conversion (torch.nn.utils)."""
