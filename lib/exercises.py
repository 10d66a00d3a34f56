"""Book machinery: the book's exercises and :func:`check`, instant feedback on an answer (every chapter).

Every exercise has an id such as ``"ch1.penalty"``. A learner writes an
answer and calls ``check("ch1.penalty", answer)``; the result says whether it
is right and, if not, what looks off (the grading itself is
:func:`lib.feedback.grade`). :func:`check` never raises.

Expected answers are computed by ``lib`` itself, never typed in. Each
chapter's exercises are built by one function below, ``_ch1`` ... ``_ch7``,
which imports the maths it needs when one of that chapter's exercises is
first checked: ``import lib`` loads no chapter's modules, and chapter 1's
check never imports chapter 7's training code. A new chapter adds one such
function and one line in :data:`EXERCISES`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, MutableMapping

import numpy as np

from lib._validate import safe_repr
from lib.feedback import (ArrayExercise, Exercise, Feedback, FunctionExercise, NumberExercise, Slip, describe,
                          grade, unreadable)

__all__ = ["CH4_LOGITS", "EXERCISES", "check"]

#: The logits of chapter 4's walkthrough, for [mat, hat, sat, rug].
CH4_LOGITS = np.array([3.2, 1.0, -0.5, 2.5])
CH4_LOGITS.setflags(write=False)


def _ch1() -> dict[str, Exercise]:
    """Chapter 1: designing a penalty."""
    from lib.information import surprise

    return {
        "ch1.penalty": NumberExercise(
            expected=lambda: surprise(0.02),
            hint="The penalty is -log p with the natural log: try np.log or lib.surprise.",
        ),
        "ch1.one_nat": NumberExercise(
            expected=lambda: math.exp(-1),
            hint="Solve -log p = 1 for p: undo the log with an exponential.",
            slips=(Slip("That is e^(+1): -log p = 1 means log p = -1, so p = e^(-1).", wrong=lambda: math.e),),
            unit="",
        ),
        "ch1.penalty_drop": FunctionExercise(
            reference=lambda p_before, p_after: surprise(p_before) - surprise(p_after),
            cases=((0.1, 0.2), (0.4, 0.8), (0.01, 0.5), (0.5, 0.5), (0.9, 0.3)),
            hint="The drop is the penalty before minus the penalty after: -log(p_before) - (-log(p_after)).",
            signature="penalty_drop(p_before, p_after)",
        ),
    }


def _ch2() -> dict[str, Exercise]:
    """Chapter 2: surprise and entropy."""
    from lib.information import entropy, surprise

    return {
        "ch2.bits": NumberExercise(
            expected=lambda: surprise(1 / 8, base=2),
            hint="Surprise in bits is -log2 p: np.log2, or lib.surprise(p, base=2).",
            unit="bits",
        ),
        "ch2.die": NumberExercise(
            expected=lambda: entropy(np.full(6, 1 / 6)),
            hint="Six equally likely faces: the entropy of a uniform distribution over K outcomes is log K.",
        ),
        "ch2.entropy_bits": FunctionExercise(
            reference=lambda p: entropy(p, base=2),
            cases=(([0.5, 0.5],), ([0.1, 0.4, 0.5],), ([0.25, 0.25, 0.25, 0.25],), ([1.0, 0.0],),
                   ([0.7, 0.2, 0.1, 0.0],)),
            hint="Sum p * (-log2 p) over the outcomes, and let outcomes with p = 0 add nothing (0 log 0 = 0).",
            signature="entropy_bits(p)",
            unit="bits",
        ),
    }


def _ch3() -> dict[str, Exercise]:
    """Chapter 3: the NLL from the likelihood."""
    from lib.information import nll

    return {
        "ch3.mean_nll": NumberExercise(
            expected=lambda: nll([0.1, 0.2, 0.7]),
            hint="Take -log of each probability, then the mean: three moves, log, negate, average.",
            slips=(Slip("That is the sum of the three -log p, not their mean: divide by the number of "
                        "examples (3), so that datasets of different sizes compare.",
                        wrong=lambda: 3 * nll([0.1, 0.2, 0.7])),),
        ),
        "ch3.accumulate": NumberExercise(
            expected=lambda: (10 * 2.0 + 30 * 3.0) / (10 + 30),
            hint="Weight each micro-batch by its tokens: turn each mean back into a sum (mean x tokens), "
                 "add the sums, divide by all the tokens. The plain mean of the two means is the trap.",
            slips=(Slip("That is the plain mean of the two micro-batch means, the trap itself: the "
                        "30-token batch must count three times as much as the 10-token one.",
                        wrong=lambda: (2.0 + 3.0) / 2),),
        ),
        "ch3.stable_mean_nll": FunctionExercise(
            reference=lambda probs: nll(probs),
            cases=(([0.5, 0.25],), ([0.1] * 400,), (np.full(2000, 0.3),), ([0.9, 0.8, 0.01],)),
            hint="Never multiply the probabilities: sum their logs instead (np.log, then np.mean).",
            signature="mean_nll(probs)",
            slips=(Slip("That is the sum of the -log p, not their mean: divide by the number of probabilities.",
                        wrong=lambda probs: len(probs) * nll(probs)),),
        ),
    }


def _ch4() -> dict[str, Exercise]:
    """Chapter 4: one-hot targets and the softmax."""
    from lib.information import entropy
    from lib.logits import log_softmax, softmax

    return {
        "ch4.rug_loss": NumberExercise(
            expected=lambda: float(-log_softmax(CH4_LOGITS)[3]),
            hint="Softmax the logits, take the probability of 'rug' (the fourth word), then -log.",
        ),
        "ch4.gradient": ArrayExercise(
            expected=lambda: softmax(CH4_LOGITS) - np.eye(4)[1],
            hint="The gradient is softmax(z) minus the one-hot vector of the word that occurred ('hat').",
            slips=(Slip("That is softmax(z) minus the one-hot vector of 'mat', the first word; the word that "
                        "occurred is 'hat', the second.", wrong=lambda: softmax(CH4_LOGITS) - np.eye(4)[0]),),
        ),
        "ch4.stable_log_softmax": FunctionExercise(
            reference=lambda z: log_softmax(z),
            cases=(([3.2, 1.0, -0.5, 2.5],), ([0.0, 0.0],), ([1000.0, 999.0, 0.0],), ([-1000.0, 0.0, 5.0],)),
            hint="Subtract the largest logit first, then z - log(sum(exp(z))): the log-sum-exp trick.",
            signature="log_softmax(z)",
        ),
        "ch4.floor": NumberExercise(
            expected=lambda: entropy(np.array([5, 1, 0, 2]) / 8),
            hint="Average the 8 one-hot losses: it is the cross-entropy against the frequencies "
                 "[5/8, 1/8, 0, 2/8], smallest when the model predicts exactly those; its value there is their entropy.",
        ),
    }


def _ch5() -> dict[str, Exercise]:
    """Chapter 5: KL divergence and perplexity."""
    from lib.information import kl_divergence, perplexity

    return {
        "ch5.perplexity": NumberExercise(
            expected=lambda: perplexity(2.5),
            hint="Perplexity is exp(mean NLL in nats): np.exp.",
            slips=(Slip("That is 2 ** 2.5: base 2 undoes a loss in bits, but this loss is in nats, "
                        "so the base is e: np.exp(2.5).", wrong=lambda: 2.0**2.5),
                   Slip("That is 10 ** 2.5: the loss is in nats, so the base is e: np.exp(2.5).",
                        wrong=lambda: 10.0**2.5)),
            unit="",
        ),
        "ch5.nats": NumberExercise(
            expected=lambda: math.log(9),
            hint="Undo the exponential: mean NLL = log(perplexity), with the natural log.",
        ),
        "ch5.kl": NumberExercise(
            expected=lambda: kl_divergence([0.5, 0.5], [0.9, 0.1]),
            hint="KL(p_data || p_theta) = sum over k of p_data[k] * log(p_data[k] / p_theta[k]): the data come first.",
            slips=(Slip("That is KL the wrong way round, KL(p_theta || p_data); KL is not symmetric. "
                        "Weight the log-ratio by the data's probabilities: "
                        "sum of p_data[k] * log(p_data[k] / p_theta[k]).",
                        wrong=lambda: kl_divergence([0.9, 0.1], [0.5, 0.5])),),
        ),
        "ch5.word_perplexity": NumberExercise(
            expected=lambda: perplexity(1.2 * 5.5),
            hint="A word's loss is the sum of its characters' losses: nats per character times "
                 "characters per word, then exp.",
            unit="",
            slips=(Slip("That is the per-character perplexity, exp(1.2): a word costs the sum of its "
                        "characters' losses, so multiply by 5.5 before taking exp.",
                        wrong=lambda: math.exp(1.2)),
                   Slip("That is the per-word loss in nats, 1.2 * 5.5; perplexity is exp of it.",
                        wrong=lambda: 1.2 * 5.5)),
        ),
    }


def _ch6() -> dict[str, Exercise]:
    """Chapter 6: the NLL template beyond classification."""
    from lib.losses import binary_cross_entropy, dpo_loss, gaussian_nll

    return {
        "ch6.bce": NumberExercise(
            expected=lambda: binary_cross_entropy([1, 0], [0.8, 0.3]),
            hint="For y = 1 the loss is -log p_hat, for y = 0 it is -log(1 - p_hat); then average the two.",
        ),
        "ch6.gaussian": NumberExercise(
            expected=lambda: gaussian_nll([3.0], [2.0], 0.5),
            hint="(y - mu)^2 / (2 sigma^2) + 0.5 * log(2 pi sigma^2): keep the constant term.",
            slips=(Slip("That is only the squared-error part, (y - mu)^2 / (2 sigma^2): add the constant "
                        "0.5 * log(2 pi sigma^2), which belongs to -log of the density.",
                        wrong=lambda: (3.0 - 2.0) ** 2 / (2 * 0.5**2)),),
        ),
        "ch6.dpo": FunctionExercise(
            reference=lambda pc, pr, rc, rr: dpo_loss(pc, pr, rc, rr, beta=0.1),
            cases=(([-12.0], [-15.0], [-13.0], [-14.0]), ([-5.0, -8.0], [-6.0, -7.0], [-5.5, -7.5], [-6.5, -7.5]),
                   ([-1.0], [-9000.0], [-1.0], [-1.0]), ([-9000.0], [-1.0], [-1.0], [-1.0])),
            hint="margin = beta * ((pc - rc) - (pr - rr)); loss = mean of -log sigmoid(margin), "
                 "computed as np.logaddexp(0, -margin) so huge margins cannot overflow.",
            signature="dpo(pc, pr, rc, rr)",
        ),
        # Chapter 7: training with -log p.
    }


def _ch7() -> dict[str, Exercise]:
    """Chapter 7: training with -log p."""
    from lib.calibration import expected_calibration_error
    from lib.information import entropy
    from lib.logits import softmax
    from lib.training import nll_gradient

    return {
        "ch7.temperature": NumberExercise(
            expected=lambda: entropy(softmax(np.array([2.0, 1.0, 0.0]) / 2.0)),
            hint="Divide the logits by T first, then softmax, then the entropy -sum p log p (natural log).",
        ),
        "ch7.table_gradient": FunctionExercise(
            reference=lambda W, C: nll_gradient(W, C),
            cases=(([[0.0, 0.0]], [[3.0, 1.0]]),
                   ([[1.0, -1.0, 0.5], [0.0, 0.0, 0.0]], [[2.0, 0.0, 1.0], [0.0, 0.0, 0.0]]),
                   ([[2.0, 0.0], [0.0, 3.0], [-1.0, 1.0]], [[5.0, 1.0], [0.0, 4.0], [2.0, 2.0]])),
            hint="Row a gets n_a * softmax(W_a) - C_a, where n_a = C_a.sum(); divide everything by N = C.sum().",
            signature="table_gradient(W, C)",
        ),
        "ch7.ece": NumberExercise(
            expected=lambda: expected_calibration_error([0.95] * 4 + [0.65] * 2, [1, 0, 1, 1, 1, 0]),
            hint="Group by bin, take |accuracy - mean confidence| in each, and weight each bin by its share "
                 "of the predictions (4/6 and 2/6), not equally.",
        ),
    }


class ExerciseTable(MutableMapping):
    """Every exercise by id; a chapter's exercises are built the first time one of them is asked for.

    Iterating (or ``len``) builds every chapter. Ids are listed chapter by chapter.
    """

    def __init__(self, chapters: dict[str, Callable[[], dict[str, Exercise]]]) -> None:
        self._builders = dict(chapters)
        self._tables: dict[str, dict[str, Exercise]] = {}

    def _chapter(self, exercise_id: object) -> dict[str, Exercise]:
        """The exercises of the chapter ``exercise_id`` belongs to, built on first use ({} if none)."""
        chapter = exercise_id.partition(".")[0] if isinstance(exercise_id, str) else ""
        if chapter not in self._tables and chapter in self._builders:
            self._tables[chapter] = self._builders[chapter]()
        return self._tables.get(chapter, {})

    def __getitem__(self, exercise_id: str) -> Exercise:
        return self._chapter(exercise_id)[exercise_id]

    def __setitem__(self, exercise_id: str, spec: Exercise) -> None:
        self._chapter(exercise_id)  # build the chapter first, so that building it later cannot overwrite spec
        self._tables.setdefault(exercise_id.partition(".")[0], {})[exercise_id] = spec

    def __delitem__(self, exercise_id: str) -> None:
        del self._chapter(exercise_id)[exercise_id]

    def __iter__(self) -> Iterator[str]:
        chapters = [*self._builders, *(c for c in self._tables if c not in self._builders)]
        return (exercise_id for chapter in chapters for exercise_id in self._chapter(chapter + "."))

    def __len__(self) -> int:
        return sum(1 for _ in self)


#: Every exercise in the book, by id, one builder per chapter. Expected answers are computed, not typed.
EXERCISES = ExerciseTable({"ch1": _ch1, "ch2": _ch2, "ch3": _ch3, "ch4": _ch4, "ch5": _ch5, "ch6": _ch6,
                           "ch7": _ch7})


def check(exercise: str, answer: object) -> Feedback:
    """Check a learner's answer to an exercise and explain what is off.

    Never raises: whatever ``answer`` is, the result is feedback (only
    ``KeyboardInterrupt`` and ``SystemExit`` pass through).

    Parameters
    ----------
    exercise : str
        The exercise id printed in the chapter, e.g. ``"ch1.penalty"``.
    answer : object
        The learner's answer: a number, an array, or a function for coding exercises.

    Returns
    -------
    Feedback
        Truthy when correct; displays as a short message in Jupyter.

    Examples
    --------
    >>> check("ch1.one_nat", 0.3679).correct
    True
    >>> check("ch1.one_nat", None).message
    'No answer yet: replace None with your answer and run the cell again.'
    >>> check("ch1.penalty", "3.912").correct
    False
    """
    try:
        if not isinstance(exercise, str):
            return Feedback(False, f"The exercise id must be a string such as 'ch1.penalty', "
                                   f"not {describe(exercise)}.")
        spec = EXERCISES.get(exercise)
        if spec is None:
            known = ", ".join(sorted(EXERCISES))
            return Feedback(False, f"There is no exercise called {safe_repr(exercise)}. Known exercises: {known}.")
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as err:  # noqa: BLE001 -- check must never raise
        return unreadable(err)
    return grade(spec, answer)
