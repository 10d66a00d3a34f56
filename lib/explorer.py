"""Book machinery: explorers, a figure driven by controls, live in Jupyter and on the website (every chapter).

A chapter describes its explorer with one drawing function, ``draw(fig, **values)``,
a few ipywidgets controls, and a handful of *snapshots* (settings of the
controls worth seeing). :class:`Explorer` then produces, from that one ``draw``:

* in Jupyter, Binder or Colab, the live widget: moving a control redraws the
  figure through the kernel (an SVG drawn at the size it is shown, so it stays
  sharp on any screen);
* on the static website, where no kernel runs, the same controls as HTML form
  elements and one *frame* per control position, each frame drawn by the same
  ``draw`` at book-build time, its axes held in one place from frame to frame
  (:attr:`Explorer.web_layout`); a small script (``_explorer/explorer.js``) swaps
  frames as a control moves. The frames are drawn only when the book build asks
  for them (the environment variable :data:`WEB_FRAMES_ENV`, set by
  ``scripts/book_extras.py``), never in a learner's "Run All".
* without JavaScript (and in any viewer that runs no script), the snapshots side by
  side, with alt text and a caption.

The web frames are SVG documents stored once per distinct line (consecutive frames
share most of their lines), and the book build moves them out of the page into a
script the page loads on the reader's first touch of a control; see the README
("Explorers on the website") for the measurements behind these choices.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import functools
import html
import io
import itertools
import json
import math
import os
from collections.abc import Callable, Iterator, Mapping, Sequence

import ipywidgets as widgets
import matplotlib as mpl
import numpy as np
from matplotlib.figure import Figure, SubFigure

from lib.style import RC_PARAMS, shared_mathtext_cache

DrawFunction = Callable[..., None]

#: Set (to any non-empty value) by the book build: only then are web frames drawn.
WEB_FRAMES_ENV = "WHY_LOG_P_WEB_FRAMES"
#: At most this many positions per control on the website (evenly subsampled).
MAX_POSITIONS = 25
#: At most this many frames (the product of the controls' positions) per explorer.
MAX_WEB_FRAMES = 100
#: CSS pixels per inch: a figure ``size`` inches wide is shown ``96 * size`` pixels wide.
CSS_DPI = 96

_CHOICE_WIDGETS = (widgets.Dropdown, widgets.ToggleButtons, widgets.RadioButtons,
                   widgets.Select, widgets.SelectionSlider)
_SLIDERS = (widgets.FloatSlider, widgets.IntSlider, widgets.FloatLogSlider,
            widgets.BoundedFloatText, widgets.BoundedIntText)


def web_positions(control: widgets.ValueWidget, limit: int = MAX_POSITIONS) -> list:
    """The values a control can take on the website: its own positions, at most ``limit``.

    Sliders give ``min..max`` by ``step`` (a log slider ``base ** (min..max by step)``),
    choice widgets their options, a checkbox ``False, True``. More than ``limit``
    positions are subsampled evenly, keeping both ends and the control's current value.

    Examples
    --------
    >>> web_positions(widgets.FloatSlider(value=0.2, min=0, max=0.5, step=0.1))
    [0.0, 0.1, 0.2, 0.3, 0.4, 0.5]
    >>> web_positions(widgets.FloatLogSlider(value=0.1, min=-2, max=0, step=1))
    [0.01, 0.1, 1.0]
    >>> len(web_positions(widgets.IntSlider(value=20, min=1, max=150)))
    25
    >>> web_positions(widgets.ToggleButtons(options=["yes/no", "number"]))
    ['yes/no', 'number']
    """
    if isinstance(control, _CHOICE_WIDGETS):
        values = list(control._options_values)
    elif isinstance(control, (widgets.Checkbox, widgets.ToggleButton)):
        values = [False, True]
    elif isinstance(control, _SLIDERS):
        step = getattr(control, "step", None) or 1
        count = int(round((control.max - control.min) / step)) + 1
        integer = isinstance(control, (widgets.IntSlider, widgets.BoundedIntText))
        # Round away float noise (0.30000000000000004) at the step's own precision.
        digits = max(0, -math.floor(math.log10(step))) + 6 if not integer else 0
        grid = [round(control.min + i * step, digits) for i in range(count)]
        if isinstance(control, widgets.FloatLogSlider):
            values = [float(f"{control.base ** e:.12g}") for e in grid]
        else:
            values = [int(v) for v in grid] if integer else [float(v) for v in grid]
    else:
        raise ValueError(f"{type(control).__name__} has no positions for the website: "
                         "pass web_values={name: [...]} to the Explorer")
    if len(values) <= limit:
        return values
    chosen = [int(i) for i in np.round(np.linspace(0, len(values) - 1, limit))]
    current = _nearest_index(values, control.value)
    if current not in chosen:  # the figure a reader first sees is a frame too
        chosen[int(np.argmin([abs(i - current) for i in chosen]))] = current
    return [values[i] for i in sorted(set(chosen))]


def format_value(control: widgets.ValueWidget, value) -> str:
    """A value as the control's own readout shows it (``readout_format``, option label).

    Examples
    --------
    >>> format_value(widgets.FloatLogSlider(readout_format=".3f"), 0.0851138)
    '0.085'
    >>> format_value(widgets.Dropdown(options=[("one", 1), ("two", 2)]), 2)
    'two'
    """
    if isinstance(control, _CHOICE_WIDGETS):
        for label, option in zip(control._options_labels, control._options_values):
            if option == value:
                return str(label)
        return str(value)
    if isinstance(value, bool):
        return "on" if value else "off"
    fmt = getattr(control, "readout_format", None)
    if fmt:
        try:
            return format(value, fmt.replace("~", ""))
        except (ValueError, TypeError):
            pass
    return f"{value:g}" if isinstance(value, float) else str(value)


def position_labels(control: widgets.ValueWidget, values: Sequence) -> list[str]:
    """Labels for a control's web positions: as the widget shows them, unless that makes two
    positions look alike (a log slider with ``readout_format=".3f"`` shows 0.001 and 0.00133
    both as "0.001"); then with as many significant digits as tell them apart.

    Examples
    --------
    >>> position_labels(widgets.FloatLogSlider(readout_format=".3f"), [0.001, 0.00133, 0.5])
    ['0.001', '0.00133', '0.5']
    """
    labels = [format_value(control, v) for v in values]
    numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
    if numeric and len(set(labels)) < len(set(values)):
        for digits in range(3, 13):
            labels = [f"{v:.{digits}g}" for v in values]
            if len(set(labels)) == len(set(values)):
                break
    return labels


class Explorer:
    """A figure driven by controls: live in Jupyter and on the website, from one ``draw``.

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
        Alternative text for the figure, for screen readers; the live views add
        the current setting to it.
    caption : str
        What the static figure shows.
    size : (float, float)
        Width and height in inches of the live figure; each snapshot in the
        static view is drawn a little smaller.
    static_columns : int, default 2
        Snapshots per row in the static view; use 1 for wide, multi-panel figures.
    readout : callable, optional
        ``readout(**values) -> str``: the key numbers at a setting, computed with
        ``lib`` (e.g. ``lambda p: f"−log p = {lib.surprise(p):.2f}"``). Shown as text
        under the figure and announced to screen readers. Default: the setting.
    web_values : mapping of str to list, optional
        The positions a control takes on the website, instead of its own positions
        subsampled to :data:`MAX_POSITIONS`, e.g. ``{"sigma": [0.2, 0.5, 1, 2, 4]}``.
    max_web_frames : int, default :data:`MAX_WEB_FRAMES`
        The most frames (product of the controls' web positions) allowed.

    Examples
    --------
    >>> def draw(fig, p):
    ...     fig.subplots().bar(["p"], [p])
    >>> slider = widgets.FloatSlider(value=0.5, min=0, max=1, step=0.25, description="p")
    >>> explorer = Explorer(draw, {"p": slider}, [{"p": 0.25}, {"p": 0.75}],
    ...                     alt="Two bars", caption="A bar of height p.")
    >>> slider.value = 0.75  # in Jupyter this redraws the figure
    >>> explorer.web_grid()
    {'p': [0.0, 0.25, 0.5, 0.75, 1.0]}
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
        readout: Callable[..., str] | None = None,
        web_values: Mapping[str, Sequence[object]] | None = None,
        max_web_frames: int = MAX_WEB_FRAMES,
    ) -> None:
        if not snapshots:
            raise ValueError("snapshots must name at least one setting for the static view")
        unknown = [key for snap in snapshots for key in snap if key not in controls]
        unknown += [key for key in (web_values or {}) if key not in controls]
        if unknown:
            raise ValueError(f"settings {unknown} do not match any control in {list(controls)}")
        self.draw = draw
        self.controls = dict(controls)
        self.snapshots = [dict(snap) for snap in snapshots]
        self.alt = alt
        self.caption = caption
        self.size = size
        self.static_columns = static_columns
        self.readout = readout
        self.web_values = {name: list(values) for name, values in (web_values or {}).items()}
        self.max_web_frames = max_web_frames
        self._drawn: tuple[dict, FrameLayout] | None = None  # the live figure's setting and layout
        #: How many website frames were laid out for themselves (:meth:`web_frames`).
        self.own_layout_frames = 0
        grid = self.web_grid()  # refuse an explorer too big for the website, in Jupyter too
        count = math.prod(len(values) for values in grid.values())
        if count > max_web_frames:
            sizes = " × ".join(f"{len(v)} {name}" for name, v in grid.items())
            raise ValueError(
                f"this explorer needs {count} web frames ({sizes}), more than the budget of "
                f"{max_web_frames}: use coarser steps or fewer options, or choose the website's "
                "positions with web_values={name: [...]}")

        for control in self.controls.values():
            # A label beside its control, never alone on the line above it (ipywidgets 8 lays
            # ToggleButtons out as a block: label on one line, buttons on the next).
            if hasattr(control, "style") and "description_width" in control.style.keys:
                control.style.description_width = "initial"
            if isinstance(control, widgets.ToggleButtons) and control.layout.display is None:
                control.layout.display = "flex"
                control.layout.flex_flow = "row wrap"
                control.layout.align_items = "center"
        width = round(size[0] * CSS_DPI)
        # Shown at its natural size (never stretched by the VBox), shrunk only on narrow screens.
        self.image = widgets.Image(format="svg+xml", width=str(width), layout=widgets.Layout(
            max_width="100%", height="auto", align_self="flex-start"))
        self.readout_label = widgets.HTML(layout=widgets.Layout(margin="0 0 0 4px"))
        children = [*self.controls.values(), self.image]
        if readout is not None:
            children.append(self.readout_label)
        self.widget = widgets.VBox(children)
        for control in self.controls.values():
            control.observe(self._on_change, names="value")
        self.redraw()
        self._web = _web_data(self) if os.environ.get(WEB_FRAMES_ENV) else None

    def values(self) -> dict[str, object]:
        """The controls' current values, by name."""
        return {name: control.value for name, control in self.controls.items()}

    def frame_svg(self, values: Mapping[str, object]) -> str:
        """The figure at one setting, as the live widget shows it (laid out for this setting)."""
        return self._frame(values)[0]

    @functools.cached_property
    def web_layout(self) -> FrameLayout | None:
        """Where the website's frames put their axes: one place from frame to frame.

        A few settings (the controls' values when first asked, which in the book build are
        their starting values, and the first and last website frames) are laid out by
        matplotlib's constrained layout (the live figure's own layout, where it shows one of
        them); every axes then takes the part of its places that all of them share: the
        widest margin on each side. Frames drawn there (:meth:`web_frame_svg`) keep their
        axes still while a control moves, and skip the layout, about half of a frame's
        drawing time. Whether a frame's texts fit is checked frame by frame. ``None`` when
        the settings' panels differ too much to share a place (then every frame is laid
        out for itself).
        """
        settings = self.web_settings()
        references = [self.values(), settings[0], settings[-1]]
        layouts = []
        for i, values in enumerate(references):
            if values in references[:i]:
                continue
            if self._drawn is not None and self._drawn[0] == values:
                layouts.append(self._drawn[1])  # already drawn for the live view
            else:
                layouts.append(self._frame(values)[1])
        return FrameLayout.shared(layouts)

    def web_frame_svg(self, values: Mapping[str, object]) -> str:
        """The website's frame at one setting: :meth:`frame_svg`'s figure, its axes placed by
        :attr:`web_layout`.

        The same ``draw`` at the same setting as the live widget; an axes a little smaller
        than the widget's may take other tick marks. If at this setting any text would stick
        out of the figure, or touch another panel or its labels, the frame is laid out for
        itself instead (exactly :meth:`frame_svg`, as the live widget draws it).
        """
        return self._web_frame(values)[0]

    def _web_frame(self, values: Mapping[str, object]) -> tuple[str, bool]:
        """:meth:`web_frame_svg`, and whether it kept the shared layout."""
        layout = self.web_layout
        if layout is not None:
            svg, fits = self._frame(values, layout)
            if fits:
                return svg, True
        return self.frame_svg(values), False

    def readout_text(self, values: Mapping[str, object]) -> str:
        """The readout at a setting: ``readout(**values)``, or the setting itself."""
        if self.readout is not None:
            return str(self.readout(**values))
        return self.setting_text(values)

    def setting_text(self, values: Mapping[str, object]) -> str:
        """A setting in words, e.g. ``p = 0.085, smoothing = 0.10``."""
        return ", ".join(f"{_label(name, control)} = {self._value_label(name, values[name])}"
                         for name, control in self.controls.items())

    def _value_label(self, name: str, value) -> str:
        control = self.controls[name]
        positions = self.web_grid()[name]
        if value in positions:  # the label the website shows for this position
            return position_labels(control, positions)[positions.index(value)]
        return format_value(control, value)

    def redraw(self) -> None:
        """Draw the figure for the current control values into the live image."""
        values = self.values()
        svg, layout = self._frame(values)
        self._drawn = (values, layout)
        self.image.value = svg.encode("utf-8")
        if self.readout is not None:
            self.readout_label.value = html.escape(self.readout_text(values))

    def web_grid(self) -> dict[str, list]:
        """Each control's positions on the website (``web_values`` where given)."""
        return {name: list(self.web_values.get(name) or web_positions(control))
                for name, control in self.controls.items()}

    def web_settings(self) -> list[dict[str, object]]:
        """Every setting the website has a frame for, in frame order (last control fastest)."""
        grid = self.web_grid()
        return [dict(zip(grid, combo)) for combo in itertools.product(*grid.values())]

    def web_frames(self) -> list[str]:
        """The website's frames: :meth:`web_frame_svg` at each of :meth:`web_settings`.

        Afterwards :attr:`own_layout_frames` counts the frames laid out for themselves.
        """
        self.web_layout  # found once, before the work is shared out
        drawn = _render_all(self._web_frame, self.web_settings())
        self.own_layout_frames = sum(not shared for _, shared in drawn)
        return [svg for svg, _ in drawn]

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

    def static_html(self, svg: str | None = None) -> str:
        """The static view as an HTML figure with alt text and a caption.

        ``svg`` is :meth:`static_svg`, when the caller has drawn it already.
        """
        svg = self.static_svg() if svg is None else svg
        svg64 = base64.b64encode(svg.encode("utf-8")).decode("ascii")
        note = ("Static view of the explorer at a few settings. Open this chapter in Binder "
                "(the rocket icon at the top of the page) or Jupyter to move the controls yourself.")
        return (
            '<figure class="explorer-static">'
            f'<img src="data:image/svg+xml;base64,{svg64}" alt="{html.escape(self.alt)}" '
            'style="max-width:100%;height:auto">'
            f"<figcaption>{html.escape(self.caption)} <em>{note}</em></figcaption>"
            "</figure>"
        )

    def web_html(self) -> str:
        """The website's view: the static figure, plus (in the book build) the live explorer.

        The live part is hidden until the page's script shows it, so a reader without
        JavaScript sees the static figure only.
        """
        if self._web is None:
            return self.current_html()
        return _live_html(self, self._web) + "\n"

    def current_html(self) -> str:
        """The figure as the live widget shows it now, for viewers without a widget manager.

        Outside the book build this is the HTML fallback: it reuses the frame the widget
        already drew, so a learner's Run All never pays for the website's snapshots.
        """
        svg64 = base64.b64encode(self.image.value).decode("ascii")
        # The caption and alt text the chapter wrote describe the snapshots, which this
        # figure is not: it shows the one current setting, so it says so instead.
        setting = self.setting_text(self.values())
        alt = f"The explorer's figure at one setting, {setting}."
        if self.readout is not None:
            alt += f" {self.readout_text(self.values())}"
        caption = (f"The explorer at {setting}. Open this notebook with a running kernel "
                   "(Jupyter, Binder or Colab) to move its controls.")
        return (
            '<figure class="explorer-static">'
            f'<img src="data:image/svg+xml;base64,{svg64}" alt="{html.escape(alt)}" '
            'style="max-width:100%;height:auto">'
            f"<figcaption>{html.escape(caption)}</figcaption>"
            "</figure>"
        )

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, str]:
        bundle = dict(self.widget._repr_mimebundle_())
        bundle["text/html"] = self.web_html()
        if self._web is not None:
            # The book build: the snapshots as one SVG too, which is what print (the PDF
            # edition) shows; the website prefers the HTML above, Jupyter the widget.
            bundle["image/svg+xml"] = self._web["static_svg"]
        return bundle

    def _on_change(self, change: dict) -> None:
        self.redraw()

    def _draw_into(self, fig: Figure | SubFigure, values: Mapping[str, object]) -> None:
        with mpl.rc_context(RC_PARAMS):
            self.draw(fig, **values)

    def _frame(self, values: Mapping[str, object],
               layout: FrameLayout | None = None) -> tuple[str, FrameLayout | bool]:
        """One frame's SVG, and what came of its layout.

        Without ``layout``: laid out by matplotlib, returning the layout it found. With one:
        its axes placed there, returning whether every text fits (:func:`_texts_fit`).
        """
        fig = _new_figure(*self.size, constrained=layout is None)
        self._draw_into(fig, values)
        if layout is None:
            # The figure's own size (no tight bbox): every frame the same size, so nothing jumps.
            svg = _figure_bytes(fig, "svg", tight=False).decode("utf-8")
            return svg, FrameLayout.of(fig)
        if not layout.apply(fig):
            return "", False
        drawn: list[tuple[object, object]] = []
        with _recording_texts(drawn):
            svg = _figure_bytes(fig, "svg", tight=False).decode("utf-8")
        return svg, _texts_fit(fig, drawn)


def _label(name: str, control: widgets.ValueWidget) -> str:
    return (getattr(control, "description", "") or name).rstrip(":")


def _nearest_index(values: list, value) -> int:
    try:
        return int(np.argmin([abs(float(v) - float(value)) for v in values]))
    except (TypeError, ValueError):
        return values.index(value) if value in values else 0


def _new_figure(width: float, height: float, constrained: bool = True) -> Figure:
    """A figure outside pyplot, so redrawing never adds stray outputs to a notebook."""
    with mpl.rc_context(RC_PARAMS):
        return Figure(figsize=(width, height), layout="constrained" if constrained else None)


#: An axes' shared place (:meth:`FrameLayout.shared`) keeps at least this share of its smallest place.
SHARED_LAYOUT_MIN = 0.8


@dataclasses.dataclass(frozen=True)
class FrameLayout:
    """Where a frame's axes sit, as fractions of the figure (left, bottom, width, height),
    and its suptitle's height (``None`` without one)."""

    axes: tuple[tuple[float, float, float, float], ...]
    suptitle_y: float | None = None

    @classmethod
    def of(cls, fig: Figure) -> FrameLayout:
        """The layout of a figure that has been drawn.

        Matplotlib keeps a figure's suptitle in ``fig._suptitle`` (and constrained layout moves
        it); a matplotlib without that attribute just leaves the suptitle where it is, and the
        check on each frame (:func:`_texts_fit`) still catches a title that then collides.
        """
        suptitle = getattr(fig, "_suptitle", None)
        return cls(tuple(tuple(ax.get_position(original=True).bounds) for ax in fig.axes),
                   None if suptitle is None else suptitle.get_position()[1])

    @classmethod
    def shared(cls, layouts: Sequence[FrameLayout]) -> FrameLayout | None:
        """Each axes in the part of its places that all ``layouts`` share (the widest margins).

        ``None`` if the layouts have different numbers of axes, or if an axes' shared part is
        less than 80% of its smallest place in width or height (panels that move about).

        Examples
        --------
        >>> a = FrameLayout(((0.10, 0.10, 0.80, 0.80),))
        >>> b = FrameLayout(((0.15, 0.05, 0.80, 0.80),))
        >>> [round(v, 2) for v in FrameLayout.shared([a, b]).axes[0]]
        [0.15, 0.1, 0.75, 0.75]
        >>> FrameLayout.shared([a, FrameLayout(((0.7, 0.1, 0.3, 0.8),))]) is None  # moved
        True
        """
        first = layouts[0]
        if any(len(layout.axes) != len(first.axes) for layout in layouts):
            return None  # different panels at different settings: nothing to share
        axes = []
        for places in zip(*(layout.axes for layout in layouts)):
            left = max(x for x, _, _, _ in places)
            bottom = max(y for _, y, _, _ in places)
            right = min(x + w for x, _, w, _ in places)
            top = min(y + h for _, y, _, h in places)
            width, height = right - left, top - bottom
            if (width < SHARED_LAYOUT_MIN * min(w for _, _, w, _ in places)
                    or height < SHARED_LAYOUT_MIN * min(h for _, _, _, h in places)):
                return None
            axes.append((left, bottom, width, height))
        heights = [layout.suptitle_y for layout in layouts if layout.suptitle_y is not None]
        return cls(tuple(axes), max(heights) if heights else None)

    def apply(self, fig: Figure) -> bool:
        """Place ``fig``'s axes (and suptitle) here; ``False`` if its panels do not match."""
        if len(fig.axes) != len(self.axes):
            return False
        for ax, bounds in zip(fig.axes, self.axes):
            ax.set_position(bounds)
        suptitle = getattr(fig, "_suptitle", None)
        if suptitle is not None and self.suptitle_y is not None:
            suptitle.set_y(self.suptitle_y)
        return True


@contextlib.contextmanager
def _recording_texts(drawn: list) -> Iterator[None]:
    """While a figure is drawn, note the extent of each text drawn (with its ``bbox`` patch) and
    of each legend, with the panel it belongs to: the axes being drawn, or the outermost
    one for an inset, ``None`` for the figure's own texts (such as a suptitle).

    A text that cannot be measured is noted as ``(None, None)``: the frame then does not fit.
    """
    from matplotlib.axes._base import _AxesBase
    from matplotlib.legend import Legend
    from matplotlib.text import Text

    text_draw, axes_draw, legend_draw = Text.draw, _AxesBase.draw, Legend.draw
    owners: list = [None]

    def note(artist, renderer, *extents) -> None:
        try:
            to_figure = artist.get_figure().transFigure.inverted()
            boxes = [box(renderer).transformed(to_figure) for box in extents]
        except Exception:  # noqa: BLE001 -- anything unmeasurable: lay this frame out instead
            drawn.append((None, None))
            return
        owner = owners[1] if len(owners) > 1 else None  # the outermost axes being drawn
        drawn.extend((owner, box) for box in boxes)

    def draw_text(self, renderer):
        text_draw(self, renderer)
        if self.get_visible() and self.get_text():
            patch = self.get_bbox_patch()
            note(self, renderer, self.get_window_extent,
                 *([patch.get_window_extent] if patch is not None else []))

    def draw_legend(self, renderer):
        legend_draw(self, renderer)
        if self.get_visible():
            note(self, renderer, self.get_window_extent)

    def draw_axes(self, renderer):
        owners.append(self)
        try:
            axes_draw(self, renderer)
        finally:
            owners.pop()

    Text.draw, _AxesBase.draw, Legend.draw = draw_text, draw_axes, draw_legend
    try:
        yield
    finally:
        Text.draw, _AxesBase.draw, Legend.draw = text_draw, axes_draw, legend_draw


#: How far (a fraction of the figure) a text may reach past an edge before it counts as cut.
_EDGE_SLACK = 1e-3


def _texts_fit(fig: Figure, drawn: Sequence[tuple[object, object]]) -> bool:
    """Whether every drawn text (:func:`_recording_texts`) is inside the figure, clear of every
    other panel, and clear of every other panel's texts.

    Axes that share one place (twins) count as one panel. A text at a position that is not
    a number is not drawn, so it is left out.
    """
    if any(box is None for _, box in drawn):
        return False
    panels = {id(ax): _place(ax) for ax in fig.axes if ax.get_visible()}
    owners = [panels.get(id(owner), "figure") for owner, _ in drawn]  # None: the figure's own
    boxes = np.array([box.extents for _, box in drawn], dtype=float).reshape(-1, 4)
    finite = np.isfinite(boxes).all(axis=1)
    boxes, owners = boxes[finite], [o for o, keep in zip(owners, finite) if keep]
    x0, y0, x1, y1 = boxes.T
    if (x0.min(initial=0) < -_EDGE_SLACK or y0.min(initial=0) < -_EDGE_SLACK
            or x1.max(initial=1) > 1 + _EDGE_SLACK or y1.max(initial=1) > 1 + _EDGE_SLACK):
        return False
    keys = {key: k for k, key in enumerate(dict.fromkeys([*panels.values(), "figure"]))}
    ids = np.array([keys[o] for o in owners], dtype=int)
    for place in set(panels.values()):
        ax0, ay0, ax1, ay1 = place
        others = ids != keys[place]
        if (others & (x0 < ax1) & (x1 > ax0) & (y0 < ay1) & (y1 > ay0)).any():
            return False  # a text of another panel (or of the figure) over this panel
    overlap = ((x0[:, None] < x1[None, :]) & (x0[None, :] < x1[:, None])
               & (y0[:, None] < y1[None, :]) & (y0[None, :] < y1[:, None]))
    return not (overlap & (ids[:, None] != ids[None, :])).any()


def _place(ax) -> tuple[float, ...]:
    """An axes' place in the figure (x0, y0, x1, y1), rounded: twin axes share one."""
    return tuple(round(float(v), 9) for v in ax.get_position().extents)


def _figure_bytes(fig, fmt: str, tight: bool = True) -> bytes:
    buffer = io.BytesIO()
    metadata = {"Date": None} if fmt == "svg" else {"Software": None}
    with mpl.rc_context({**RC_PARAMS, "savefig.bbox": "tight" if tight else "standard"}):
        fig.savefig(buffer, format=fmt, metadata=metadata)
    return buffer.getvalue()


def _render_all(render: Callable[[Mapping[str, object]], str], settings: list[dict]) -> list[str]:
    """``render`` at every setting, on two processes where the system can fork.

    The children are forks of this kernel, so ``draw`` and everything it uses are
    simply there: nothing is pickled but the finished SVG text.
    """
    with _mathtext_parsed_once():
        return _render_on_workers(render, settings)


def _render_on_workers(render: Callable[[Mapping[str, object]], str], settings: list[dict]) -> list[str]:
    workers = min(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1, 4)
    if workers < 2 or len(settings) < 8 or not hasattr(os, "fork"):
        return [render(s) for s in settings]
    import multiprocessing

    import warnings

    context = multiprocessing.get_context("fork")
    global _RENDER
    _RENDER = (render, settings)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # "multi-threaded, use of fork()"
            with context.Pool(workers, initializer=_quiet_child) as pool:
                return pool.map(_render_index, range(len(settings)), chunksize=4)
    finally:
        _RENDER = None


_RENDER: tuple | None = None


@contextlib.contextmanager
def _mathtext_parsed_once() -> Iterator[None]:
    """While the web frames are drawn, parse each mathtext string once, not once per renderer.

    Matplotlib caches a parse per ``MathTextParser``, and every renderer makes its own parser:
    one SVG renderer per frame, plus, in a frame that is laid out, the one constrained layout
    measures text with. So a label such as ``$p_k$`` or a log axis's ``10^{-3}`` was parsed
    four times per laid-out frame, by pyparsing, about a third of its time (chapter 1: 0.31 ->
    0.22 s of CPU per frame, same bytes).
    Here a fresh cache (:func:`lib.style.shared_mathtext_cache`, the one :func:`lib.style.use`
    keeps for a whole session) is shared by every parser until the frames are drawn, so frames
    are drawn the same way with or without ``use()``; forked workers inherit it. With a
    matplotlib that has no ``_parse_cached`` to wrap, frames are drawn as before.
    """
    from matplotlib import mathtext

    original = mathtext.MathTextParser.__dict__.get("_parse_cached")
    parse = getattr(original, "__wrapped__", None)
    if parse is None:
        yield
        return
    mathtext.MathTextParser._parse_cached = shared_mathtext_cache(parse)  # a fresh cache
    try:
        yield
    finally:
        mathtext.MathTextParser._parse_cached = original


def _quiet_child() -> None:
    """In a forked worker, never write to the kernel's streams (their threads are not there)."""
    import sys

    sys.stdout = sys.stderr = open(os.devnull, "w")


def _render_index(index: int) -> str:
    render, settings = _RENDER
    return render(settings[index])


def _compact(svgs: list[str]) -> dict:
    """Frames stored once per distinct line: ``lines`` plus, per frame, runs of line numbers.

    A frame is ``[start, length, start, length, ...]``: its lines are
    ``lines[start:start + length]`` for each run, joined by newlines.
    """
    numbers: dict[str, int] = {}
    frames = []
    for svg in svgs:
        runs: list[int] = []
        for line in svg.split("\n"):
            number = numbers.setdefault(line, len(numbers))
            if runs and runs[-2] + runs[-1] == number:
                runs[-1] += 1
            else:
                runs += [number, 1]
        frames.append(runs)
    return {"lines": list(numbers), "frames": frames}


def expand(compact: Mapping) -> list[str]:
    """The frames back from :func:`_compact` (what the page's script does)."""
    lines = compact["lines"]
    return ["\n".join(line for start, length in zip(runs[::2], runs[1::2])
                      for line in lines[start:start + length])
            for runs in compact["frames"]]


def _web_data(explorer: Explorer) -> dict:
    grid = explorer.web_grid()
    settings = explorer.web_settings()
    current = explorer.values()
    start = [_nearest_index(values, current[name]) for name, values in grid.items()]
    frames = explorer.web_frames()
    return {
        "grid": grid,
        "start": start,
        "readouts": [explorer.readout_text(s) for s in settings],
        "settings": [explorer.setting_text(s) for s in settings],
        "static_svg": explorer.static_svg(),
        "own_layout_frames": explorer.own_layout_frames,
        **_compact(frames),
    }


def _index(grid: Mapping[str, list], positions: Sequence[int]) -> int:
    """The frame number of a setting given each control's position (last control fastest)."""
    index = 0
    for values, position in zip(grid.values(), positions):
        index = index * len(values) + position
    return index


def _control_html(uid: str, k: int, name: str, control, values: list, start: int) -> str:
    label = html.escape(_label(name, control))
    shown = position_labels(control, values)
    cid = f"{uid}-c{k}"
    if isinstance(control, (widgets.Checkbox, widgets.ToggleButton)) and len(values) == 2:
        checked = " checked" if values[start] else ""
        return (f'<div class="explorer-control explorer-checkbox" data-control="{k}">'
                f'<input type="checkbox" id="{cid}"{checked}>'
                f'<label for="{cid}">{label}</label></div>')
    if isinstance(control, (widgets.ToggleButtons, widgets.RadioButtons)):
        options = "".join(
            f'<label class="explorer-option"><input type="radio" name="{cid}" value="{i}"'
            f'{" checked" if i == start else ""}><span>{html.escape(text)}</span></label>'
            for i, text in enumerate(shown))
        return (f'<fieldset class="explorer-control explorer-radios" data-control="{k}">'
                f"<legend>{label}</legend>{options}</fieldset>")
    if isinstance(control, (widgets.Dropdown, widgets.Select)):
        options = "".join(f'<option value="{i}"{" selected" if i == start else ""}>'
                          f"{html.escape(text)}</option>" for i, text in enumerate(shown))
        return (f'<div class="explorer-control explorer-select" data-control="{k}">'
                f'<label for="{cid}">{label}</label><select id="{cid}">{options}</select></div>')
    # Sliders (and anything else): a range over the positions, its value shown beside it.
    labels = html.escape(json.dumps(shown, ensure_ascii=False))
    return (f'<div class="explorer-control explorer-range" data-control="{k}">'
            f'<label for="{cid}">{label}</label>'
            f'<input type="range" id="{cid}" min="0" max="{len(values) - 1}" step="1" '
            f'value="{start}" aria-valuetext="{html.escape(shown[start])}" data-labels="{labels}">'
            f'<output for="{cid}" aria-hidden="true">{html.escape(shown[start])}</output></div>')


def _live_html(explorer: Explorer, web: dict) -> str:
    grid, start = web["grid"], web["start"]
    # Ids unique on a page with several explorers, and the same on every build.
    uid = "explorer-" + format(abs(hash_text(explorer.alt + explorer.caption)) % 10**8, "08d")
    first = _index(grid, start)
    svg = expand({"lines": web["lines"], "frames": [web["frames"][first]]})[0]
    svg64 = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    controls = "".join(_control_html(uid, k, name, explorer.controls[name], values, start[k])
                       for k, (name, values) in enumerate(grid.items()))
    shape = [len(values) for values in grid.values()]
    alt = f"{explorer.alt} Setting: {web['settings'][first]}."
    meta = {"shape": shape, "start": start, "alt": explorer.alt,
            "readouts": web["readouts"], "settings": web["settings"],
            # Machine-readable, for tests: each control as a widget spec and its positions.
            "controls": [_control_spec(name, explorer.controls[name], name in explorer.web_values)
                         for name in grid],
            "values": [[_jsonable(v) for v in values] for values in grid.values()],
            # Frames that could not keep the shared layout (Explorer.web_layout): their axes jump.
            "own_layout_frames": web["own_layout_frames"]}
    frames = {"lines": web["lines"], "frames": web["frames"]}
    return (
        f'<div class="explorer" id="{uid}">'
        f'<div class="explorer-live" hidden>'
        f'<form class="explorer-controls" aria-label="Explorer controls">{controls}</form>'
        f'<figure class="explorer-frame">'
        f'<img src="data:image/svg+xml;base64,{svg64}" alt="{html.escape(alt)}" '
        f'width="{round(explorer.size[0] * CSS_DPI)}" height="{round(explorer.size[1] * CSS_DPI)}">'
        f'<figcaption><p class="explorer-readout" aria-live="polite">'
        f"{html.escape(web['readouts'][first])}</p></figcaption></figure></div>"
        + explorer.static_html(web["static_svg"])
        + f'<script type="application/json" class="explorer-meta">{_script_json(meta)}</script>'
        + f'<script type="application/json" class="explorer-frames">{_script_json(frames)}</script>'
        + "</div>"
    )


_SPEC_TRAITS = ("min", "max", "step", "base", "value", "readout_format", "description")


def _control_spec(name: str, control, custom: bool) -> dict:
    """What rebuilds the control: its class and the traits that set its positions."""
    traits = {t: getattr(control, t) for t in _SPEC_TRAITS if control.has_trait(t)}
    if isinstance(control, _CHOICE_WIDGETS):
        traits["options"] = [[str(label), _jsonable(value)] for label, value
                             in zip(control._options_labels, control._options_values)]
    return {"name": name, "kind": type(control).__name__, "traits": _jsonable(traits),
            "web_values": custom}


def _jsonable(value):
    """``value`` if JSON can carry it, else its text."""
    try:
        json.dumps(value)
        return value
    except (TypeError, ValueError):
        return str(value)


def _script_json(data) -> str:
    """JSON safe inside an HTML script element (no ``</script>`` can close it early)."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")


def hash_text(text: str) -> int:
    """A hash that is the same in every process (``hash()`` of a str is salted)."""
    import zlib

    return zlib.crc32(text.encode("utf-8"))
