"""nnx.optim: optimizers and learning-rate schedulers (torch.optim)."""
