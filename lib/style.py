"""Book machinery: one plotting style for the whole book (every chapter).

Call :func:`use` once at the top of a chapter. Colours come from the
Okabe-Ito palette, which stays distinguishable for readers with the common
forms of colour blindness; every figure that separates lines by colour also
separates them by line style, so it survives grey-scale printing too.
"""

from __future__ import annotations

from collections.abc import Callable

import matplotlib as mpl

#: Okabe-Ito colours by name.
PALETTE: dict[str, str] = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "vermillion": "#D55E00",
    "sky": "#56B4E9",
    "purple": "#CC79A7",
    "yellow": "#F0E442",
    "black": "#000000",
}

#: The colour of the book's hero, -log p, in every figure.
HIGHLIGHT: str = PALETTE["vermillion"]

RC_PARAMS: dict[str, object] = {
    "figure.figsize": (6.4, 3.8),
    "figure.dpi": 100,
    "figure.facecolor": "white",  # legible in the website's dark mode too
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#dddddd",
    "grid.linewidth": 0.8,
    "axes.prop_cycle": mpl.cycler(color=list(PALETTE.values())),
    "lines.linewidth": 2.0,
    "legend.frameon": False,
    "savefig.bbox": "tight",
    "svg.hashsalt": "why-log-p",  # identical SVG ids on every build
    "svg.fonttype": "none",  # text stays text: smaller files, searchable labels
}


def use() -> None:
    """Apply the book's style to matplotlib and show inline figures as SVG.

    Also makes every renderer share one cache of parsed mathtext
    (:func:`parse_mathtext_once`), which makes a figure with maths labels faster to draw.

    Examples
    --------
    >>> use()
    """
    mpl.rcParams.update(RC_PARAMS)
    parse_mathtext_once()
    try:
        from matplotlib_inline.backend_inline import set_matplotlib_formats
    except ImportError:  # plain Python, no Jupyter: nothing to configure
        return
    # SVG keeps line plots sharp and light; no creation date, so two builds agree.
    set_matplotlib_formats("svg", metadata={"Date": None})


#: The most parsed mathtext strings the shared cache keeps (then it starts afresh).
MATHTEXT_CACHE_SIZE = 1024


def parse_mathtext_once() -> bool:
    """Parse each mathtext string (``$p_\\theta$``, a log axis's ``$10^{-3}$``) once, not once per renderer.

    Matplotlib caches a parse per ``MathTextParser``, and every renderer makes its
    own parser: each figure's SVG renderer, and the one that measures text for the
    layout. So every figure parses its maths labels again with pyparsing, several
    times; in chapter 5 that was about 0.1 s a figure. This replaces the
    per-parser cache with one shared by all parsers, keyed on what matplotlib's
    own cache is keyed on plus the parser's output type, so the figures are the
    same, byte for byte. Calling it again changes nothing.

    Returns ``False``, and changes nothing, with a matplotlib that has no
    ``MathTextParser._parse_cached`` to share.

    Examples
    --------
    >>> parse_mathtext_once()
    True
    """
    from matplotlib import mathtext

    current = mathtext.MathTextParser.__dict__.get("_parse_cached")
    parse = getattr(current, "__wrapped__", None)
    if parse is None:
        return False
    mathtext.MathTextParser._parse_cached = shared_mathtext_cache(parse)
    return True


def shared_mathtext_cache(parse: Callable) -> Callable:
    """``parse`` (matplotlib's ``MathTextParser._parse_cached``, unwrapped) with one cache for every parser."""
    parsed: dict[tuple, object] = {}

    def parse_once(parser, *key):
        full_key = (getattr(parser, "_output_type", None), getattr(parser, "_output", None), *key)
        if full_key not in parsed:
            if len(parsed) >= MATHTEXT_CACHE_SIZE:
                parsed.clear()
            parsed[full_key] = parse(parser, *key)
        return parsed[full_key]

    parse_once.__wrapped__ = parse  # so it can be unwrapped and shared afresh
    return parse_once
