"""lib.batching: padding, the shift, masks, and the masked loss against torch."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from lib.batching import (
    IGNORE_INDEX,
    accumulate_micro_batches,
    mask_prompt,
    masked_cross_entropy,
    masked_cross_entropy_gradient,
    pad_batch,
    shift_for_next_token,
)


def random_case(rng, shape, v, ignored=0.3, scale=3.0):
    logits = rng.normal(scale=scale, size=(*shape, v))
    labels = rng.integers(0, v, size=shape)
    labels[rng.random(shape) < ignored] = IGNORE_INDEX
    return logits, labels


def torch_loss(logits, labels, reduction, ignore_index=IGNORE_INDEX):
    z = torch.tensor(logits, dtype=torch.float64, requires_grad=True)
    y = torch.tensor(labels, dtype=torch.long)
    zt = z if z.ndim == 2 else z.transpose(1, 2)  # torch wants classes on axis 1
    loss = F.cross_entropy(zt, y, ignore_index=ignore_index, reduction=reduction)
    return z, loss


@pytest.mark.parametrize("shape", [(7,), (1,), (3, 5), (4, 1), (2, 9)])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_masked_loss_matches_torch(rng, shape, reduction):
    for v in (2, 11):
        logits, labels = random_case(rng, shape, v)
        labels.reshape(-1)[0] = 0  # at least one scored position
        z, expected = torch_loss(logits, labels, reduction)
        got = masked_cross_entropy(logits, labels, reduction=reduction)
        np.testing.assert_allclose(got, expected.detach().numpy(), rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_gradient_matches_torch_autograd(rng, reduction):
    logits, labels = random_case(rng, (3, 6), 8)
    labels[0, 0] = 1
    z, loss = torch_loss(logits, labels, reduction)
    loss.backward()
    got = masked_cross_entropy_gradient(logits, labels, reduction=reduction)
    np.testing.assert_allclose(got, z.grad.numpy(), rtol=1e-12, atol=1e-14)


def test_other_ignore_index_and_huge_logits(rng):
    logits, labels = random_case(rng, (4, 5), 6, scale=1e4)
    labels[labels == IGNORE_INDEX] = 3
    labels[0, :2] = -1
    _, expected = torch_loss(logits, labels, "sum", ignore_index=-1)
    got = masked_cross_entropy(logits, labels, ignore_index=-1, reduction="sum")
    assert np.isfinite(got)
    np.testing.assert_allclose(got, expected.item(), rtol=1e-12)


def test_all_ignored():
    logits = np.zeros((2, 3, 4))
    labels = np.full((2, 3), IGNORE_INDEX)
    _, torch_mean = torch_loss(logits, labels, "mean")
    assert np.isnan(torch_mean.item())  # what torch does, and why lib raises instead
    with pytest.raises(ValueError, match="ignore_index"):
        masked_cross_entropy(logits, labels)
    assert masked_cross_entropy(logits, labels, reduction="sum") == 0.0
    assert (masked_cross_entropy(logits, labels, reduction="none") == 0).all()


def test_pad_shift_and_loss_leave_padding_out(rng):
    seqs = [rng.integers(1, 10, size=n) for n in (6, 2, 4)]
    ids, mask = pad_batch(seqs, pad_id=0)
    assert ids.shape == (3, 6) and mask.sum() == 12
    for row, s in zip(ids, seqs):
        np.testing.assert_array_equal(row[:len(s)], s)
        assert (row[len(s):] == 0).all()
    inputs, labels = shift_for_next_token(ids, mask)
    assert inputs.shape == labels.shape == (3, 5)
    assert (labels != IGNORE_INDEX).sum() == sum(len(s) - 1 for s in seqs)
    # the masked batch loss equals the loss of each sequence on its own, summed then averaged
    logits = rng.normal(size=(3, 5, 10))
    per_seq_sum = sum(masked_cross_entropy(logits[i, :len(s) - 1], s[1:], reduction="sum")
                      for i, s in enumerate(seqs))
    assert masked_cross_entropy(logits, labels) == pytest.approx(per_seq_sum / 9, rel=1e-13)
    # counting padding (labels = raw ids, pad id 0 scored) gives another number
    padded_labels = ids[:, 1:]
    assert masked_cross_entropy(logits, padded_labels) != pytest.approx(per_seq_sum / 9)


def test_mask_prompt_matches_the_unshifted_convention(rng):
    ids, mask = pad_batch([rng.integers(1, 9, size=n) for n in (7, 5)], pad_id=0)
    prompt_lengths = np.array([3, 2])
    _, labels = shift_for_next_token(ids, mask)
    masked = mask_prompt(labels, prompt_lengths)
    # Hugging Face style: labels = ids, set the prompt and padding to -100, then shift
    hf = np.where(mask == 1, ids, IGNORE_INDEX)
    hf[np.arange(ids.shape[1]) < prompt_lengths[:, None]] = IGNORE_INDEX
    np.testing.assert_array_equal(masked, hf[:, 1:])
    assert (masked != IGNORE_INDEX).sum() == (7 - 3) + (5 - 2)


def test_accumulation_total_tokens_equals_one_big_batch(rng):
    micro = [random_case(rng, (2, n), 7) for n in (3, 8, 5)]
    for _, y in micro:
        y[0, 0] = 2
    result = accumulate_micro_batches([z for z, _ in micro], [y for _, y in micro])
    # one big batch: pad every micro-batch to the longest length with ignored positions
    width = max(z.shape[1] for z, _ in micro)
    big_z = np.concatenate([np.pad(z, ((0, 0), (0, width - z.shape[1]), (0, 0))) for z, _ in micro])
    big_y = np.concatenate([np.pad(y, ((0, 0), (0, width - y.shape[1])), constant_values=IGNORE_INDEX)
                            for _, y in micro])
    assert result.loss == pytest.approx(masked_cross_entropy(big_z, big_y), rel=1e-13)
    assert sum(result.token_counts) == (big_y != IGNORE_INDEX).sum()
    big_grad = masked_cross_entropy_gradient(big_z, big_y)
    for i, (z, _) in enumerate(micro):
        np.testing.assert_allclose(result.gradients[i], big_grad[2 * i:2 * i + 2, :z.shape[1]], atol=1e-15)
    wrong = accumulate_micro_batches([z for z, _ in micro], [y for _, y in micro], "mean_of_means")
    assert len(set(result.token_counts)) > 1 and abs(wrong.loss - result.loss) > 1e-3


def test_accumulation_agrees_when_counts_are_equal(rng):
    micro = [random_case(rng, (4,), 5, ignored=0.0) for _ in range(3)]
    right = accumulate_micro_batches([z for z, _ in micro], [y for _, y in micro])
    wrong = accumulate_micro_batches([z for z, _ in micro], [y for _, y in micro], "mean_of_means")
    assert right.loss == pytest.approx(wrong.loss, rel=1e-13)


@pytest.mark.parametrize("call, error, words", [
    (lambda: pad_batch([], 0), ValueError, ["sequences", "empty"]),
    (lambda: pad_batch([[1, 2]], 0.5), TypeError, ["pad_id"]),
    (lambda: pad_batch("abc", 0), TypeError, ["sequences"]),
    (lambda: pad_batch([[1, 2], [[3]]], 0), ValueError, ["sequences[1]", "1-D"]),
    (lambda: pad_batch([[1, 2.5]], 0), TypeError, ["sequences[0]", "integer"]),
    (lambda: shift_for_next_token([[1, 2]], [[1, 1, 1]]), ValueError, ["attention_mask", "same shape"]),
    (lambda: shift_for_next_token([[1, 2]], [[1, 2]]), ValueError, ["attention_mask", "0", "1"]),
    (lambda: shift_for_next_token([[1]], [[1]]), ValueError, ["ids", "2 positions"]),
    (lambda: shift_for_next_token([1, 2], [1, 1]), ValueError, ["ids", "(B, M)"]),
    (lambda: mask_prompt([[1, 2]], [1, 2]), ValueError, ["prompt_lengths", "one length per row"]),
    (lambda: mask_prompt([[1, 2]], [-1]), ValueError, ["prompt_lengths", ">= 0"]),
    (lambda: mask_prompt([[1, 2]], [4]), ValueError, ["prompt_lengths", "at most"]),
    (lambda: masked_cross_entropy([[0.0, 1.0]], [2]), ValueError, ["labels", "[0, 1]", "2"]),
    (lambda: masked_cross_entropy([[0.0, 1.0]], [-5]), ValueError, ["labels", "-5"]),
    (lambda: masked_cross_entropy([[0.0, 1.0]], [0.0]), TypeError, ["labels", "integer"]),
    (lambda: masked_cross_entropy([[0.0, 1.0]], [[0]]), ValueError, ["labels", "shape"]),
    (lambda: masked_cross_entropy([0.0, 1.0], [0]), ValueError, ["logits", "(N, V)"]),
    (lambda: masked_cross_entropy([[0.0, np.nan]], [0]), ValueError, ["logits", "NaN"]),
    (lambda: masked_cross_entropy([[0.0, 1.0]], [0], reduction="avg"), ValueError, ["reduction"]),
    (lambda: masked_cross_entropy([[0.0, 1.0]], [0], ignore_index=None), TypeError, ["ignore_index"]),
    (lambda: masked_cross_entropy_gradient([[0.0, 1.0]], [0], num_items=0), ValueError, ["num_items"]),
    (lambda: accumulate_micro_batches([[[0.0]]], [], "total_tokens"), ValueError, ["labels_list"]),
    (lambda: accumulate_micro_batches([[[0.0]]], [[0]], "sum"), ValueError, ["normalisation"]),
    (lambda: accumulate_micro_batches([[[0.0]]], [[-100]]), ValueError, ["ignore_index"]),
])
def test_bad_input_names_the_argument(call, error, words):
    with pytest.raises(error) as info:
        call()
    for word in words:
        assert word in str(info.value)
