"""The shared helper package of the course *Why −log p?*.

Import it as ``import lib`` in any chapter. It has two layers, and arrows
point only down (the machinery may import the maths, never the reverse):

The maths, one module per idea of the book, named for the idea:

* :mod:`lib.information` -- surprise, entropy, cross-entropy, KL divergence,
  perplexity and the mean NLL, on probabilities.
* :mod:`lib.logits` -- softmax, log-softmax and the cross-entropy loss, on logits.
* :mod:`lib.losses` -- binary cross-entropy, Gaussian NLL and the DPO loss.
* :mod:`lib.coding` -- Huffman codes, code lengths and a range coder.
* :mod:`lib.ngram` -- the one n-gram counter (characters or integer ids) and its smoothers.
* :mod:`lib.training` -- a logit table trained from counts by its gradient.
* :mod:`lib.calibration` -- reliability bins, ECE, Brier score, temperature.
* :mod:`lib.markov` -- Markov sources, their entropy rate, and sampling.
* :mod:`lib.corpus` -- the offline English corpus and its leak-free split.

The book's machinery, named for what the book does with it (each docstring
starts "Book machinery"): :mod:`lib.style` (one plotting style),
:mod:`lib.explorer` (live widget + static figure), :mod:`lib.exercises`
(the exercises and :func:`check`) and :mod:`lib.feedback` (the grading
engine). ``lib._validate``, private, is the input gate both layers use.

The functions of the first three maths modules, and :func:`check`, are
re-exported here: ``lib.surprise(0.1)``.

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
