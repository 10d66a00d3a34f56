"""A real English corpus that works offline: CPython's documentation topics (chapters 5-7).

The text ships with ``lib`` (see ``lib/data/README.md`` for its source and
licence), so every reader, Binder and CI gets exactly the same characters.

:func:`load_split` cuts it into training, validation and test text with no
leak between them: many topics repeat long passages of each other (the topic
``function`` is almost all contained in ``compound``), so topics that share
any :data:`WINDOW`-character passage are kept together on one side.
"""

from __future__ import annotations

import gzip
import json
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import numpy as np

CORPUS_FILE = Path(__file__).parent / "data" / "pydoc_topics_3.11.7.json.gz"

#: Length of the passages that tie near-duplicate topics together.
WINDOW = 60
#: Share of the corpus's characters aimed at for the validation and for the test text.
HELDOUT_SHARE = 0.10
#: Seed of the shuffle that deals topic groups out to validation and test.
SPLIT_SEED = 0
#: How the topics of one part are joined.
SEPARATOR = "\n\n"


class CorpusSplit(NamedTuple):
    """Training, validation and test text; each topic is in exactly one of them.

    ``groups`` lists the topic groups (near-duplicates together), and
    ``train_topics``, ``validation_topics``, ``test_topics`` the topic names
    of each part, sorted.
    """

    train: str
    validation: str
    test: str
    train_topics: tuple[str, ...]
    validation_topics: tuple[str, ...]
    test_topics: tuple[str, ...]
    groups: tuple[tuple[str, ...], ...]


@lru_cache(maxsize=1)
def load_pydoc_topics() -> dict[str, str]:
    """The documentation topics of CPython 3.11.7, by name (sorted).

    Examples
    --------
    >>> topics = load_pydoc_topics()
    >>> len(topics), topics["assert"].split()[:2]
    (79, ['The', '"assert"'])
    """
    with gzip.open(CORPUS_FILE, "rt", encoding="utf-8") as f:
        return dict(json.load(f)["topics"])


def near_duplicate_groups(topics: dict[str, str], window: int = WINDOW) -> list[tuple[str, ...]]:
    """Topics linked by a shared ``window``-character passage, as groups.

    Two topics are linked when some run of ``window`` consecutive characters
    occurs in both; a group is everything linked directly or through other
    topics (a connected component). Passages are compared through a 64-bit
    polynomial hash, computed with numpy for every position at once. Groups
    are sorted by their first topic name, and names within a group are sorted.

    Examples
    --------
    >>> groups = near_duplicate_groups(load_pydoc_topics())
    >>> next(g for g in groups if "function" in g) == next(g for g in groups if "compound" in g)
    True
    """
    names = sorted(topics)
    # Hash every window of all topics at once, then keep the windows inside one topic.
    lengths = np.array([len(topics[name]) for name in names], dtype=np.int64)
    hashes_all = _window_hashes("".join(topics[name] for name in names), window)
    owners_all = np.repeat(np.arange(len(names)), lengths)[:len(hashes_all)]
    ends = np.cumsum(lengths)  # one past each topic's last character
    inside = np.arange(len(hashes_all)) + window <= ends[owners_all]
    hashes_all, owners_all = hashes_all[inside], owners_all[inside]
    order = np.argsort(hashes_all)
    hashes_all, owners_all = hashes_all[order], owners_all[order]
    # Neighbours in sorted order with the same passage, in two different topics. Linking each
    # such neighbour to the next chains together every topic that has the passage.
    shared = (hashes_all[1:] == hashes_all[:-1]) & (owners_all[1:] != owners_all[:-1])
    links = np.unique(owners_all[:-1][shared] * len(names) + owners_all[1:][shared])
    edges = [(int(a), int(b)) for a, b in zip(*np.divmod(links, len(names)))]
    parent = list(range(len(names)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in sorted(edges):
        parent[root(a)] = root(b)
    groups: dict[int, list[str]] = {}
    for i, name in enumerate(names):
        groups.setdefault(root(i), []).append(name)
    return sorted(tuple(g) for g in groups.values())


@lru_cache(maxsize=1)
def load_split() -> CorpusSplit:
    """The corpus cut into training, validation and test text, with no leak.

    How the split is made (deterministic: the same on every machine):

    1. Topics sharing any :data:`WINDOW` (60)-character passage are grouped
       (:func:`near_duplicate_groups`), so no 60-character passage of
       validation or test text occurs in the training text, except passages
       that straddle the blank line joining two topics.
    2. One group of 31 topics (the special methods and compound statements,
       about 71% of the characters) is too big to hold out: groups larger
       than twice :data:`HELDOUT_SHARE` of the corpus always go to training.
    3. The other groups are shuffled with seed :data:`SPLIT_SEED` and dealt
       out in that order: to validation until it holds at least
       :data:`HELDOUT_SHARE` (10%) of the corpus's characters, then to test
       until it does too, the rest to training.

    Each part is its topics in name order, joined by a blank line. The
    sizes come out at 360,540 / 58,004 / 46,578 characters (78% / 12% / 10%
    of the corpus; whole groups overshoot the 10% aim), and 0 of the
    validation and test text's 60-character passages occur in the training
    text (``tests/test_corpus.py`` checks it).

    Examples
    --------
    >>> split = load_split()
    >>> [round(len(part), -3) for part in split[:3]]
    [361000, 58000, 47000]
    >>> set(split.validation_topics) & set(split.train_topics)
    set()
    """
    topics = load_pydoc_topics()
    total = sum(len(t) for t in topics.values())
    groups = near_duplicate_groups(topics)
    size = {g: sum(len(topics[n]) for n in g) for g in groups}
    always_train = [g for g in groups if size[g] > 2 * HELDOUT_SHARE * total]
    candidates = [g for g in groups if size[g] <= 2 * HELDOUT_SHARE * total]
    rng = np.random.default_rng(SPLIT_SEED)
    parts: dict[str, list[str]] = {"train": [n for g in always_train for n in g], "validation": [], "test": []}
    filled = {"validation": 0, "test": 0}
    for index in rng.permutation(len(candidates)):
        group = candidates[index]
        part = next((p for p in ("validation", "test") if filled[p] < HELDOUT_SHARE * total), "train")
        parts[part].extend(group)
        if part != "train":
            filled[part] += size[group]
    names = {part: tuple(sorted(ns)) for part, ns in parts.items()}
    text = {part: SEPARATOR.join(topics[n] for n in ns) for part, ns in names.items()}
    return CorpusSplit(
        text["train"], text["validation"], text["test"],
        names["train"], names["validation"], names["test"], tuple(groups),
    )


def passage_overlap(text: str, other: str, window: int = WINDOW) -> float:
    """Share of the ``window``-character passages of ``text`` that also occur in ``other``.

    A passage is any run of ``window`` consecutive characters; ``text`` has
    ``len(text) - window + 1`` of them, counted with repeats. This is the
    split's own leak check: 0.0 means no passage of ``text`` appears verbatim
    in ``other``. Passages are compared through the same 64-bit polynomial
    hash as :func:`near_duplicate_groups`. A ``text`` shorter than ``window``
    has no passages, and its overlap is 0.0.

    Examples
    --------
    >>> passage_overlap("abcdef", "xxcdefyy", window=3)  # bcd is not in it
    0.5
    >>> split = load_split()
    >>> passage_overlap(split.validation, split.train), passage_overlap(split.test, split.train)
    (0.0, 0.0)
    >>> topics = load_pydoc_topics()
    >>> passage_overlap(topics["function"], topics["compound"]) > 0.99
    True
    """
    mine = _window_hashes(text, window)
    if len(mine) == 0:
        return 0.0
    return float(np.isin(mine, _window_hashes(other, window)).mean())


def _window_hashes(text: str, window: int) -> np.ndarray:
    """A 64-bit polynomial hash of every ``window``-character run of ``text`` (none if shorter)."""
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    count = len(codes) - window + 1
    if count <= 0:
        return np.zeros(0, dtype=np.uint64)
    base = 1_000_003
    # sum of codes[i + j] * base ** (window - 1 - j), modulo 2**64 (uint64 wraps around, as
    # intended). Runs of 1, 2, 4, ... characters are hashed by doubling, then the window is
    # assembled from the runs its length is made of (60 = 32 + 16 + 8 + 4): a few passes over
    # the text instead of one per character of the window.
    runs = {1: codes}
    while 2 * max(runs) <= window:
        size = max(runs)
        shorter = runs[size]
        runs[2 * size] = shorter[:-size] * np.uint64(pow(base, size, 2**64)) + shorter[size:]
    h = np.zeros(count, dtype=np.uint64)
    done = 0
    for size in sorted(runs, reverse=True):
        if done + size <= window:
            h = h * np.uint64(pow(base, size, 2**64)) + runs[size][done:done + count]
            done += size
    return h
