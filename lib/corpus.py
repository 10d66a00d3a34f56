"""A real English corpus that works offline: CPython's documentation topics.

The text ships with ``lib`` (see ``lib/data/README.md`` for its source and
licence), so every reader, Binder and CI gets exactly the same characters.
"""

from __future__ import annotations

import gzip
import json
from functools import lru_cache
from pathlib import Path

import numpy as np

CORPUS_FILE = Path(__file__).parent / "data" / "pydoc_topics_3.11.7.json.gz"


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


def train_heldout_split(
    topics: dict[str, str], heldout_fraction: float = 0.1, seed: int = 0
) -> tuple[str, str]:
    """Split whole topics into a training text and a held-out text.

    Held-out topics are chosen at random with a fixed ``seed``, so the split
    is the same on every run; whole topics (not characters) are held out, so
    the held-out text is genuinely unseen prose. Topics are joined with a
    blank line.

    Examples
    --------
    >>> train, heldout = train_heldout_split(load_pydoc_topics())
    >>> len(heldout) < len(train)
    True
    """
    if not 0 < heldout_fraction < 1:
        raise ValueError(f"heldout_fraction must be between 0 and 1, but got {heldout_fraction}")
    names = sorted(topics)
    rng = np.random.default_rng(seed)
    n_heldout = max(1, round(heldout_fraction * len(names)))
    heldout_names = set(rng.choice(names, size=n_heldout, replace=False).tolist())
    train = "\n\n".join(topics[n] for n in names if n not in heldout_names)
    heldout = "\n\n".join(topics[n] for n in names if n in heldout_names)
    return train, heldout
