"""Explorers: a figure driven by sliders, live in Jupyter and still useful on the website.

A chapter describes its explorer with one drawing function, ``draw(fig, **values)``,
a few ipywidgets controls, and a handful of *snapshots* (settings of the
controls worth seeing). :class:`Explorer` then produces two views in one
output:

* in Jupyter, Binder or Colab, the live widget: moving a control redraws the
  figure through the kernel;
* on the static website, where no kernel runs, a small-multiples figure of
  the snapshots side by side, with a caption saying how to get the live
  version. The book's ``_config.yml`` tells MyST-NB never to render the
  widget view, so a reader never meets a slider that does nothing.
"""

from __future__ import annotations

import base64
import html
import io
import math
from collections.abc import Callable, Mapping, Sequence

import ipywidgets as widgets
import matplotlib as mpl
from matplotlib.figure import Figure, SubFigure

from lib.style import RC_PARAMS

DrawFunction = Callable[..., None]


class Explorer:
    """A live ipywidgets explorer with a static small-multiples fallback.

    Parameters
    ----------
    draw : callable
        ``draw(fig, **values)`` draws one state of the explorer into ``fig``
        (a matplotlib Figure, or a SubFigure in the static view), creating
        its own axes with ``fig.subplots(...)``; ``values`` maps each
        control's name to its value.
    controls : mapping of str to ipywidgets.ValueWidget
        The controls, by the keyword name ``draw`` receives.
    snapshots : sequence of mappings
        Control settings for the static view, e.g. ``[{"p": 0.9}, {"p": 0.1}]``.
    alt : str
        Alternative text for the static figure, for screen readers.
    caption : str
        What the static figure shows; the hint about the live version is added.
    size : (float, float)
        Width and height in inches of the live figure; each snapshot in the
        static view is drawn a little smaller.
    static_columns : int, default 2
        Snapshots per row in the static view; use 1 for wide, multi-panel figures.

    Examples
    --------
    >>> def draw(fig, p):
    ...     fig.subplots().bar(["p"], [p])
    >>> slider = widgets.FloatSlider(value=0.5, min=0, max=1, description="p")
    >>> explorer = Explorer(draw, {"p": slider}, [{"p": 0.2}, {"p": 0.8}],
    ...                     alt="Two bars", caption="A bar of height p.")
    >>> slider.value = 0.7  # in Jupyter this redraws the figure
    """

    def __init__(
        self,
        draw: DrawFunction,
        controls: Mapping[str, widgets.ValueWidget],
        snapshots: Sequence[Mapping[str, object]],
        *,
        alt: str,
        caption: str,
        size: tuple[float, float] = (6.4, 3.8),
        static_columns: int = 2,
    ) -> None:
        if not snapshots:
            raise ValueError("snapshots must name at least one setting for the static view")
        unknown = [key for snap in snapshots for key in snap if key not in controls]
        if unknown:
            raise ValueError(f"snapshot settings {unknown} do not match any control in {list(controls)}")
        self.draw = draw
        self.controls = dict(controls)
        self.snapshots = [dict(snap) for snap in snapshots]
        self.alt = alt
        self.caption = caption
        self.size = size
        self.static_columns = static_columns
        self.image = widgets.Image(format="png", layout=widgets.Layout(max_width="100%"))
        self.widget = widgets.VBox([*self.controls.values(), self.image])
        for control in self.controls.values():
            control.observe(self._on_change, names="value")
        self.redraw()

    def values(self) -> dict[str, object]:
        """The controls' current values, by name."""
        return {name: control.value for name, control in self.controls.items()}

    def redraw(self) -> None:
        """Draw the figure for the current control values into the live image."""
        fig = _new_figure(*self.size)
        self._draw_into(fig, self.values())
        self.image.value = _figure_bytes(fig, "png")

    def static_svg(self) -> str:
        """The snapshots side by side (``static_columns`` per row) as an SVG document."""
        ncols = min(self.static_columns, len(self.snapshots))
        nrows = math.ceil(len(self.snapshots) / ncols)
        # Snapshots a little smaller than the live figure, so labels stay readable
        # when two of them share the width of the page.
        shrink = 0.62 if ncols > 1 else 0.9
        fig = _new_figure(self.size[0] * ncols * shrink, self.size[1] * nrows * 0.72)
        subfigures = fig.subfigures(nrows, ncols, squeeze=False).flat
        for subfigure, snapshot in zip(subfigures, self.snapshots):
            self._draw_into(subfigure, {**self.values(), **snapshot})
        return _figure_bytes(fig, "svg").decode("utf-8")

    def static_html(self) -> str:
        """The static view as an HTML figure with alt text and a caption."""
        svg64 = base64.b64encode(self.static_svg().encode("utf-8")).decode("ascii")
        note = ("Static view of the explorer at a few settings. Open this chapter in Binder "
                "(the rocket icon at the top of the page) or Jupyter to move the controls yourself.")
        return (
            '<figure class="explorer-static">'
            f'<img src="data:image/svg+xml;base64,{svg64}" alt="{html.escape(self.alt)}" '
            'style="max-width:100%;height:auto">'
            f"<figcaption>{html.escape(self.caption)} <em>{note}</em></figcaption>"
            "</figure>"
        )

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, str]:
        bundle = dict(self.widget._repr_mimebundle_())
        bundle["text/html"] = self.static_html()
        return bundle

    def _on_change(self, change: dict) -> None:
        self.redraw()

    def _draw_into(self, fig: Figure | SubFigure, values: Mapping[str, object]) -> None:
        with mpl.rc_context(RC_PARAMS):
            self.draw(fig, **values)


def _new_figure(width: float, height: float) -> Figure:
    """A figure outside pyplot, so redrawing never adds stray outputs to a notebook."""
    with mpl.rc_context(RC_PARAMS):
        return Figure(figsize=(width, height), layout="constrained")


def _figure_bytes(fig, fmt: str) -> bytes:
    buffer = io.BytesIO()
    metadata = {"Date": None} if fmt == "svg" else {"Software": None}
    with mpl.rc_context(RC_PARAMS):
        fig.savefig(buffer, format=fmt, metadata=metadata)
    return buffer.getvalue()
