"""The corpus split: deterministic, whole topics, and no evaluation text seen in training."""

from __future__ import annotations

import pytest

from lib.corpus import (SEPARATOR, WINDOW, load_pydoc_topics, load_split, near_duplicate_groups,
                        passage_overlap)
from lib.corpus import _window_hashes  # the hash behind both

MAX_LEAK = 0.01  # share of validation or test 60-character windows allowed to occur in training


def windows(text: str, width: int = WINDOW) -> list[str]:
    return [text[i:i + width] for i in range(len(text) - width + 1)]


def leak_rate(heldout: str, train: str) -> float:
    """Share of ``heldout``'s windows that occur verbatim in ``train`` (exact strings, no hashing)."""
    seen = set(windows(train))
    pieces = windows(heldout)
    return sum(w in seen for w in pieces) / len(pieces)


@pytest.mark.parametrize("part", ["validation", "test"])
def test_no_evaluation_text_occurs_in_training(part):
    split = load_split()
    assert leak_rate(getattr(split, part), split.train) <= MAX_LEAK


def test_the_old_random_split_would_have_failed_the_leak_test():
    """The check has teeth: held-out `function` is almost all inside training `compound`."""
    topics = load_pydoc_topics()
    assert leak_rate(topics["function"], topics["compound"]) > 0.9


def test_split_is_deterministic():
    first = load_split()
    load_split.cache_clear()
    assert load_split() == first


def test_every_topic_is_in_exactly_one_part_and_groups_are_not_broken():
    topics = load_pydoc_topics()
    split = load_split()
    parts = [split.train_topics, split.validation_topics, split.test_topics]
    assert sorted(n for part in parts for n in part) == sorted(topics)  # each once, none lost
    for group in split.groups:
        assert sum(bool(set(group) & set(part)) for part in parts) == 1, group
    for text, names in zip(split[:3], parts):
        assert text == SEPARATOR.join(topics[n] for n in names)


def test_sizes():
    split = load_split()
    total = sum(len(t) for t in load_pydoc_topics().values())
    assert [len(p) for p in split[:3]] == [360_540, 58_004, 46_578]
    assert 0.1 * total <= len(split.validation) and 0.1 * total <= len(split.test)


def test_groups_match_a_brute_force_comparison():
    topics = {name: text for name, text in load_pydoc_topics().items()
              if name in {"function", "compound", "try", "assert", "pass", "else", "if"}}
    sets = {name: set(windows(text)) for name, text in topics.items()}
    groups = near_duplicate_groups(topics)
    for a in topics:
        for b in topics:
            same_group = any(a in g and b in g for g in groups)
            if sets[a] & sets[b]:
                assert same_group, (a, b)
    assert groups == [("assert",), ("compound", "else", "function", "if", "try"), ("pass",)]


def test_a_passage_across_two_topics_links_nothing():
    # "dcd" occurs in c, and across the end of a and the start of b, which do not join
    assert near_duplicate_groups({"a": "abcd", "b": "cdef", "c": "dcdx"}, window=3) == [("a",), ("b",), ("c",)]
    assert near_duplicate_groups({"a": "abcd", "b": "cdef", "c": "bcdx"}, window=3) == [("a", "c"), ("b",)]


@pytest.mark.parametrize("window", [1, 2, 3, 7, WINDOW, 64, 100])
def test_window_hashes_are_the_polynomial_hash(window):
    text = load_pydoc_topics()["assert"]
    expected = []
    for i in range(len(text) - window + 1):
        h = 0
        for ch in text[i:i + window]:
            h = (h * 1_000_003 + ord(ch)) % 2**64
        expected.append(h)
    assert _window_hashes(text, window).tolist() == expected


def test_short_topics_form_groups_of_one():
    assert near_duplicate_groups({"a": "short", "b": "short"}) == [("a",), ("b",)]


@pytest.mark.parametrize("a, b", [("function", "compound"), ("compound", "function"),
                                  ("assert", "del"), ("assert", "assert")])
def test_passage_overlap_matches_exact_string_comparison(a, b):
    topics = load_pydoc_topics()
    assert passage_overlap(topics[a], topics[b]) == pytest.approx(leak_rate(topics[a], topics[b]))


def test_passage_overlap_of_a_text_shorter_than_the_window_is_zero():
    assert passage_overlap("short", "short", window=10) == 0.0
    assert passage_overlap("abcab", "zzab", window=2) == pytest.approx(2 / 4)
