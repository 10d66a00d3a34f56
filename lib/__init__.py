"""The shared helper package of the course *Why −log p?*.

Import it as ``import lib`` in any chapter. The maths lives in three small
modules, re-exported here:

* :mod:`lib.information` -- surprise, entropy, cross-entropy, KL divergence,
  perplexity and the mean NLL, on probabilities.
* :mod:`lib.logits` -- softmax, log-softmax and the cross-entropy loss, on logits.
* :mod:`lib.losses` -- binary cross-entropy, Gaussian NLL and the DPO loss.

The teaching tools have modules of their own: :mod:`lib.style` (one plotting
style), :mod:`lib.explorer` (live widget + static figure) and
:mod:`lib.exercises` (instant feedback through :func:`check`).

Natural logarithms (nats) throughout unless a function takes ``base=``.
Argument names follow the book's notation: ``cross_entropy(p_data, p_model)``
and ``kl_divergence(p_data, p_model)`` take where the outcomes come from
first and the model second; ``q`` is only ever a per-example target.

Every function refuses what is not a real number (text, ``None``, complex,
dates, masked entries, tensors that require grad, ...) with a ``TypeError``
or ``ValueError`` that names the argument, and returns ``+inf`` on purpose
for ``-log 0``. :func:`check` never raises on anything a learner types.
"""

from lib.exercises import check
from lib.information import cross_entropy, entropy, kl_divergence, nll, perplexity, surprise
from lib.logits import cross_entropy_from_logits, log_softmax, softmax
from lib.losses import binary_cross_entropy, binary_cross_entropy_from_logits, dpo_loss, gaussian_nll

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_from_logits",
    "check",
    "cross_entropy",
    "cross_entropy_from_logits",
    "dpo_loss",
    "entropy",
    "gaussian_nll",
    "kl_divergence",
    "log_softmax",
    "nll",
    "perplexity",
    "softmax",
    "surprise",
]
