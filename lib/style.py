"""Book machinery: one plotting style for the whole book (every chapter).

Call :func:`use` once at the top of a chapter. Colours come from the
Okabe-Ito palette, which stays distinguishable for readers with the common
forms of colour blindness; every figure that separates lines by colour also
separates them by line style, so it survives grey-scale printing too.
"""

from __future__ import annotations

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

    Examples
    --------
    >>> use()
    """
    mpl.rcParams.update(RC_PARAMS)
    try:
        from matplotlib_inline.backend_inline import set_matplotlib_formats
    except ImportError:  # plain Python, no Jupyter: nothing to configure
        return
    # SVG keeps line plots sharp and light; no creation date, so two builds agree.
    set_matplotlib_formats("svg", metadata={"Date": None})
