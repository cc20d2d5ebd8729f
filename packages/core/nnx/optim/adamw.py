r"""AdamW: Adam with decoupled weight decay (torch.optim.adamw).

As in torch, ``AdamW`` is ``Adam`` with ``decoupled_weight_decay=True`` (and a larger
default weight decay): one update rule, so the two cannot drift apart.
"""

from nnx.optim.adam import _ADAM_ARGS_DOC, Adam

__all__ = ["AdamW"]


class AdamW(Adam):
    def __init__(
        self,
        params,
        lr=1e-3,
        betas=(0.9, 0.999),
        eps=1e-8,
        weight_decay=1e-2,
        amsgrad=False,
        *,
        maximize=False,
        foreach=None,
        capturable=False,
        differentiable=False,
        fused=None,
    ):
        super().__init__(
            params,
            lr,
            betas,
            eps,
            weight_decay,
            amsgrad,
            foreach=foreach,
            maximize=maximize,
            capturable=capturable,
            differentiable=differentiable,
            fused=fused,
            decoupled_weight_decay=True,
        )

    def __setstate__(self, state):
        # whatever a loaded state dict says, AdamW's weight decay stays decoupled
        super().__setstate__(state)
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True


AdamW.__doc__ = rf"""Implements the AdamW algorithm, where weight decay does not accumulate in
    the momentum nor variance.

    .. math::
       \begin{{aligned}}
            &\textbf{{for}} \: t=1 \: \textbf{{to}} \: \ldots \: \textbf{{do}}             \\
            &\hspace{{5mm}}g_t \leftarrow \pm\nabla_{{\theta}} f_t (\theta_{{t-1}})
                \quad (- \text{{ if maximize}})                                            \\
            &\hspace{{5mm}}\theta_t \leftarrow \theta_{{t-1}} - \gamma \lambda \theta_{{t-1}} \\
            &\hspace{{5mm}}m_t \leftarrow \beta_1 m_{{t-1}} + (1 - \beta_1) g_t            \\
            &\hspace{{5mm}}v_t \leftarrow \beta_2 v_{{t-1}} + (1-\beta_2) g^2_t            \\
            &\hspace{{5mm}}\textbf{{if}} \: amsgrad: \:
                v_t^{{max}} \leftarrow \max(v_{{t-1}}^{{max}}, v_t), \:
                \widehat{{v_t}} \leftarrow v_t^{{max}}/(1-\beta_2^t)
                \quad \textbf{{else}} \: \widehat{{v_t}} \leftarrow v_t/(1-\beta_2^t)     \\
            &\hspace{{5mm}}\theta_t \leftarrow \theta_t - \frac{{\gamma}}{{1-\beta_1^t}}
                \, m_t / \big(\sqrt{{\widehat{{v_t}}}} + \epsilon \big)
       \end{{aligned}}

    See `Decoupled Weight Decay Regularization` (Loshchilov and Hutter, 2017).

    {_ADAM_ARGS_DOC.format(wd=1e-2)}

    State (per parameter): as :class:`Adam`.

    Example::

        >>> optimizer = nnx.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.05)
        >>> optimizer.zero_grad()
        >>> loss_fn(model(input), target).backward()
        >>> optimizer.step()
    """
