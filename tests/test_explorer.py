"""The explorer: live in a kernel, live on the website from the same ``draw``, static without JS."""

from __future__ import annotations

import base64
import html
import json
import re

import ipywidgets as widgets
import pytest

from lib import explorer as explorer_module
from lib.explorer import MAX_POSITIONS, WEB_FRAMES_ENV, Explorer, expand, format_value, web_positions


def draw_bar(fig, p, label="p"):
    ax = fig.subplots()
    ax.bar([label], [p])
    ax.set_ylim(0, 1)
    ax.set_title(f"{label} = {p:.2f}")


def make_explorer(**options):
    slider = widgets.FloatSlider(value=0.5, min=0, max=1, step=0.1, description="p")
    return slider, Explorer(draw_bar, {"p": slider}, [{"p": 0.2}, {"p": 0.9}, {"p": 0.4}],
                            alt="Three bars", caption="Bars of height p.", **options)


def make_two_control_explorer(**options):
    controls = {"p": widgets.FloatSlider(value=0.3, min=0, max=1, step=0.1, description="p"),
                "label": widgets.ToggleButtons(options=["mat", "rug"], description="word")}
    return Explorer(draw_bar, controls, [{"p": 0.2, "label": "rug"}], alt="A bar",
                    caption="One bar.", **options)


@pytest.fixture
def book_build(monkeypatch):
    """What the book build does: ask explorers for their web frames."""
    monkeypatch.setenv(WEB_FRAMES_ENV, "1")


def test_moving_the_slider_redraws_the_live_figure():
    slider, explorer = make_explorer()
    before = bytes(explorer.image.value)
    assert explorer.image.format == "svg+xml" and before.startswith(b"<?xml")
    slider.value = 0.8
    assert bytes(explorer.image.value) != before
    slider.value = 0.5
    assert bytes(explorer.image.value) == before  # deterministic drawing


def test_live_image_is_shown_at_its_natural_size_never_stretched():
    _, explorer = make_explorer(size=(6.4, 3.8))
    svg = bytes(explorer.image.value).decode()
    width_pt = float(re.search(r'width="([\d.]+)pt"', svg).group(1))
    # 72 pt per inch in the SVG, 96 CSS px per inch: shown at exactly its natural width.
    assert explorer.image.width == str(round(width_pt / 72 * 96)) == "614"
    layout = explorer.image.layout
    assert layout.max_width == "100%" and layout.height == "auto" and layout.align_self == "flex-start"
    # Every frame the same size, so the figure does not jump as a control moves.
    assert all(f'width="{width_pt:g}pt"' in explorer.frame_svg({"p": p}) for p in (0.0, 1.0))


def test_control_labels_sit_beside_their_controls():
    explorer = make_two_control_explorer()
    assert all(c.style.description_width == "initial" for c in explorer.controls.values())
    toggles = explorer.controls["label"].layout
    assert (toggles.display, toggles.flex_flow, toggles.align_items) == ("flex", "row wrap", "center")


def test_readout_is_shown_under_the_live_figure():
    slider, explorer = make_explorer(readout=lambda p: f"twice p = {2 * p:.2f}")
    assert explorer.readout_label in explorer.widget.children
    slider.value = 0.3
    assert explorer.readout_label.value == "twice p = 0.60"


def test_outside_the_book_build_no_web_frames_are_drawn(monkeypatch):
    monkeypatch.delenv(WEB_FRAMES_ENV, raising=False)
    calls = []
    slider = widgets.FloatSlider(value=0.5, min=0, max=1, step=0.1)
    explorer = Explorer(lambda fig, p: calls.append(p) or draw_bar(fig, p), {"p": slider},
                        [{"p": 0.2}], alt="A bar", caption="A bar.")
    assert calls == [0.5]  # the live figure only: Run All pays nothing for the website
    bundle = explorer._repr_mimebundle_()
    assert calls == [0.5]  # ...not even for the snapshots, when the cell's output is shown
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert "explorer-frames" not in bundle["text/html"] and "explorer-live" not in bundle["text/html"]


def test_mimebundle_outside_the_build_falls_back_to_the_live_frame(monkeypatch):
    monkeypatch.delenv(WEB_FRAMES_ENV, raising=False)
    slider, explorer = make_explorer()
    slider.value = 0.7
    bundle = explorer._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    text = bundle["text/html"]
    # The chapter's caption and alt text describe the snapshots; this shows one setting, and says so.
    assert 'alt="The explorer&#x27;s figure at one setting, p = 0.70."' in text
    assert "The explorer at p = 0.70. Open this notebook with a running kernel" in text
    assert "Three bars" not in text and "Bars of height p." not in text
    svg = base64.b64decode(re.search(r"base64,([A-Za-z0-9+/=]+)", text).group(1))
    assert svg == explorer.image.value  # exactly the figure the widget shows


def test_static_view_draws_every_snapshot():
    _, explorer = make_explorer()
    text = explorer.static_html()
    assert 'alt="Three bars"' in text and "Bars of height p." in text and "Binder" in text
    svg = base64.b64decode(re.search(r"base64,([A-Za-z0-9+/=]+)", text).group(1)).decode()
    assert svg.count("<g id=\"axes_") == 3  # one panel per snapshot
    assert explorer.static_html() == make_explorer()[1].static_html()  # two builds agree


def page_parts(text: str) -> tuple[dict, dict]:
    meta = re.search(r'<script type="application/json" class="explorer-meta">(.*?)</script>', text, re.S)
    frames = re.search(r'<script type="application/json" class="explorer-frames">(.*?)</script>', text, re.S)
    return json.loads(meta.group(1)), json.loads(frames.group(1))


def svg_texts(svg: str) -> list[str]:
    """The words and numbers an SVG shows (matplotlib writes text as <text> elements here)."""
    return [html.unescape(t) for t in re.findall(r"<text[^>]*>(.*?)</text>", svg, re.S)]


def axes_boxes(svg: str) -> list[str]:
    """Each axes' background rectangle, as the SVG draws it: where its panels sit."""
    return re.findall(r'<g id="axes_\d+">\s*<g id="patch_\d+">\s*<path d="([^"]+)"', svg)


def test_web_frames_show_what_the_live_view_shows(book_build):
    explorer = make_two_control_explorer(readout=lambda p, label: f"{label}: {p:.1f}")
    text = explorer._repr_mimebundle_()["text/html"]
    meta, compact = page_parts(text)
    settings = explorer.web_settings()
    assert meta["shape"] == [11, 2] and len(settings) == 22
    frames = expand(compact)
    assert len(frames) == 22
    for setting, frame, readout, words in zip(settings, frames, meta["readouts"], meta["settings"]):
        # The same draw at the same setting: the live widget shows the same words and numbers.
        for name, value in setting.items():
            explorer.controls[name].value = value
        live = bytes(explorer.image.value).decode()
        assert frame == explorer.web_frame_svg(setting)
        assert svg_texts(frame) == svg_texts(live) and f"{setting['label']} = {setting['p']:.2f}" in svg_texts(frame)
        assert frame.count("<path") == live.count("<path")
        assert readout == f"{setting['label']}: {setting['p']:.1f}"
        assert words == f"p = {setting['p']:.2f}, word = {setting['label']}"
    assert meta["own_layout_frames"] == 0
    # The page opens at the controls' values, with that frame inline and the setting in the alt text.
    assert meta["start"] == [3, 0]
    first = base64.b64decode(re.search(r'class="explorer-frame"><img src="data:image/svg\+xml;base64,'
                                       r'([A-Za-z0-9+/=]+)"', text).group(1)).decode()
    assert first == frames[3 * 2 + 0]
    assert 'alt="A bar Setting: p = 0.30, word = mat."' in text


def draw_widening_ticks(fig, p):
    """One line up to 10 ** (4 p): tick labels from "1" to "10,000" wide, as p grows."""
    from matplotlib.ticker import StrMethodFormatter

    ax = fig.subplots()
    ax.plot([0, 1], [0, 10 ** (4 * p)])
    ax.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    ax.set(ylabel="count", title=f"p = {p:.2f}")


def test_web_frames_hold_their_axes_still_where_the_live_view_moves_them():
    slider = widgets.FloatSlider(value=0.5, min=0, max=1, step=0.25)
    explorer = Explorer(draw_widening_ticks, {"p": slider}, [{"p": 0.5}], alt="A line", caption="A line.")
    settings = explorer.web_settings()
    live = [explorer.frame_svg(s) for s in settings]
    web = explorer.web_frames()
    assert len({tuple(axes_boxes(frame)) for frame in live}) > 1  # laid out anew as labels widen
    assert len({tuple(axes_boxes(frame)) for frame in web}) == 1 and axes_boxes(web[0])
    assert explorer.own_layout_frames == 0
    for setting, frame in zip(settings, web):
        assert f"p = {setting['p']:.2f}" in svg_texts(frame) and "count" in svg_texts(frame)


def test_the_shared_layout_reuses_the_live_figures_layout(monkeypatch):
    slider = widgets.FloatSlider(value=0.5, min=0, max=1, step=0.25)
    explorer = Explorer(draw_widening_ticks, {"p": slider}, [{"p": 0.5}], alt="A line", caption="A line.")
    drawn = []
    frame = Explorer._frame
    monkeypatch.setattr(Explorer, "_frame", lambda self, values, layout=None:
                        drawn.append(dict(values)) or frame(self, values, layout))
    layout = explorer.web_layout
    assert drawn == [{"p": 0.0}, {"p": 1.0}]  # the start, 0.5, was laid out for the live figure
    assert layout == explorer_module.FrameLayout.shared(
        [frame(explorer, {"p": p})[1] for p in (0.5, 0.0, 1.0)])  # as if all three were drawn now
    assert explorer.web_layout is layout and len(drawn) == 2  # found once


def draw_growing_labels(fig, p):
    """Two panels; at p = 1 the right one's tick labels ("1,000,000,000") grow over the left one."""
    from matplotlib.ticker import StrMethodFormatter

    left, right = fig.subplots(1, 2)
    left.plot([0, 1], [0, p])
    left.set_ylabel("left")
    right.plot([0, 1], [0, 10 ** (9 * p) if p == 1 else p])
    right.yaxis.set_major_formatter(StrMethodFormatter("{x:,.1f}"))
    right.set_ylabel("right")


def draw_long_title(fig, p):
    """At p = 0.5 a title far too long for the figure."""
    ax = fig.subplots()
    ax.plot([0, 1], [0, p])
    ax.set_title("a title " * (40 if p == 0.5 else 1))


@pytest.mark.parametrize("draw, misfit", [(draw_growing_labels, 1.0), (draw_long_title, 0.5)])
def test_a_frame_whose_texts_do_not_fit_the_shared_layout_is_laid_out_for_itself(draw, misfit):
    # The shared layout comes from the start (0.25) and the ends (0, 1) of the grid: 0.5 is none
    # of them. The wide tick labels at 1 are, so for that case the layout is set from 0 and 0.25.
    slider = widgets.FloatSlider(value=0.25, min=0, max=1, step=0.25)
    explorer = Explorer(draw, {"p": slider}, [{"p": 0.25}], alt="Lines", caption="Lines.")
    if draw is draw_growing_labels:
        explorer.web_layout = explorer_module.FrameLayout.shared(
            [explorer._frame({"p": p})[1] for p in (0.0, 0.25)])
        # At p = 1 the labels stay inside the figure: it is the left panel they run into.
        fig = explorer_module._new_figure(*explorer.size)
        explorer._draw_into(fig, {"p": 1.0})
        explorer.web_layout.apply(fig)
        x0 = min(box.x0 for owner, box in drawn_texts(fig) if owner is fig.axes[1])
        assert 0 < x0 < fig.axes[0].get_position().x1
    for p in (0.0, 0.25, 0.75, misfit):
        svg, fits = explorer._frame({"p": p}, explorer.web_layout)
        assert fits == (p != misfit), p
        web = explorer.web_frame_svg({"p": p})
        # The shared layout where the texts fit it; where they do not, laid out anew, as live.
        assert web == (explorer.frame_svg({"p": p}) if p == misfit else svg)
        # The same labels and title (an axes of another size may take other tick marks).
        words = [t for t in svg_texts(web) if re.search("[a-z]", t)]
        assert words == [t for t in svg_texts(explorer.frame_svg({"p": p})) if re.search("[a-z]", t)]
        assert words
    explorer.web_frames()
    assert explorer.own_layout_frames == 1


def drawn_texts(fig) -> list:
    """What :func:`_recording_texts` notes while ``fig`` is saved as SVG."""
    drawn = []
    with explorer_module._recording_texts(drawn):
        explorer_module._figure_bytes(fig, "svg", tight=False)
    return drawn


def two_panels():
    """Two panels far apart: the left one ends at x = 0.35 of the figure, the right one starts at 0.65."""
    fig = explorer_module._new_figure(6, 3, constrained=False)
    left, right = fig.subplots(1, 2)
    left.set_position((0.1, 0.1, 0.25, 0.7))
    right.set_position((0.65, 0.1, 0.25, 0.7))
    return fig, left, right


def test_texts_fit_sees_a_cut_text_a_covered_panel_and_two_panels_texts_touching():
    from matplotlib.axes._base import _AxesBase
    from matplotlib.legend import Legend
    from matplotlib.text import Text

    fig = explorer_module._new_figure(6, 3)
    left, right = fig.subplots(1, 2)
    left.set_title("fine")
    left.plot([0, 1], [0, 1], label="a line")
    left.legend()
    drawn = drawn_texts(fig)
    assert explorer_module._texts_fit(fig, drawn)
    assert {owner for owner, _ in drawn} == {left, right}  # tick labels, titles, legend: by panel

    fig = explorer_module._new_figure(6, 3)
    fig.subplots().set_title("cut off at the right edge " * 6)
    assert not explorer_module._texts_fit(fig, drawn_texts(fig))

    fig = explorer_module._new_figure(6, 3)  # a legend hanging off the right edge
    ax = fig.subplots()
    ax.plot([0, 1], [0, 1], label="a line")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    assert explorer_module._texts_fit(fig, drawn_texts(fig))  # laid out: room was made
    fig = explorer_module._new_figure(6, 3, constrained=False)
    ax = fig.subplots()
    ax.plot([0, 1], [0, 1], label="a line")
    # Its words inside the figure, its long line sample cut by the left edge: the legend's box counts.
    ax.legend(loc="upper left", bbox_to_anchor=(-0.08, 0.9), bbox_transform=fig.transFigure, handlelength=6)
    drawn = drawn_texts(fig)
    assert min(box.x0 for _, box in drawn if box.y0 > 0.7) < 0 < min(box.x0 for _, box in drawn[:-1])
    assert not explorer_module._texts_fit(fig, drawn)

    fig, left, right = two_panels()  # a label reaching back over the left panel
    right.set_ylabel("a label that reaches back over the left panel", labelpad=120)
    assert not explorer_module._texts_fit(fig, drawn_texts(fig))

    # Two panels' texts touching in the gap between them: each fits alone, not both.
    def with_texts(mine: bool, theirs: bool):
        fig, left, right = two_panels()
        if mine:
            left.text(1.02, 0.5, "left's", transform=left.transAxes)
        if theirs:
            right.text(-1.0, 0.5, "right's", transform=right.transAxes, clip_on=False)
        return fig

    for mine, theirs in [(True, False), (False, True)]:
        fig = with_texts(mine, theirs)
        assert explorer_module._texts_fit(fig, drawn_texts(fig))
    fig = with_texts(True, True)
    assert not explorer_module._texts_fit(fig, drawn_texts(fig))

    # The figure's own text (a suptitle) on a panel's title, above the panel.
    fig = explorer_module._new_figure(6, 3, constrained=False)
    ax = fig.subplots()
    ax.set_position((0.1, 0.1, 0.8, 0.7))
    ax.set_title("the panel's title")
    assert explorer_module._texts_fit(fig, drawn_texts(fig))
    fig.suptitle("the figure's title", y=0.87)
    assert not explorer_module._texts_fit(fig, drawn_texts(fig))

    # Matplotlib's own drawing is back afterwards, even after an error while drawing.
    before = (Text.draw, _AxesBase.draw, Legend.draw)
    with pytest.raises(ZeroDivisionError):
        with explorer_module._recording_texts([]):
            1 / 0
    assert (Text.draw, _AxesBase.draw, Legend.draw) == before


def test_texts_fit_counts_twins_and_insets_with_their_panel_and_skips_unplaced_texts():
    import numpy as np

    fig = explorer_module._new_figure(6, 3)
    ax = fig.subplots()
    ax.plot([0, 1], [0, 1], label="left scale")
    twin = ax.twinx()
    twin.plot([0, 1], [1, 0], label="right scale")
    twin.legend(loc="center")  # inside the panel both twins share
    inset = ax.inset_axes([0.6, 0.6, 0.3, 0.3])
    inset.plot([0, 1], [0, 1])  # its tick labels sit inside the outer panel
    ax.text(np.nan, 0.5, "nowhere")  # not drawn at all
    assert explorer_module._texts_fit(fig, drawn_texts(fig))
    assert explorer_module._texts_fit(fig, drawn_texts(fig) + [(ax, None)]) is False  # unmeasurable


def test_the_shared_layout_keeps_every_reference_settings_margins():
    layout = explorer_module.FrameLayout
    a = layout(((0.1, 0.1, 0.3, 0.8), (0.6, 0.1, 0.3, 0.8)), suptitle_y=0.98)
    b = layout(((0.12, 0.08, 0.3, 0.8), (0.58, 0.1, 0.35, 0.7)), suptitle_y=0.99)
    shared = layout.shared([a, b])
    assert [v for bounds in shared.axes for v in bounds] == pytest.approx(
        [0.12, 0.1, 0.28, 0.78, 0.6, 0.1, 0.3, 0.7])
    assert shared.suptitle_y == 0.99
    one_panel = layout(((0.1, 0.1, 0.8, 0.8),))
    assert layout.shared([a, one_panel]) is None  # panels that come and go: nothing shared
    moved = layout(((0.1, 0.1, 0.3, 0.8), (0.7, 0.1, 0.3, 0.8)))
    assert layout.shared([a, moved]) is None  # a panel that moves a third of its width
    fig = explorer_module._new_figure(6, 3, constrained=False)
    fig.subplots()
    assert not a.apply(fig) and one_panel.apply(fig)
    assert fig.axes[0].get_position().bounds == pytest.approx((0.1, 0.1, 0.8, 0.8))


def test_web_controls_are_labelled_form_elements(book_build):
    explorer = make_two_control_explorer()
    text = explorer.web_html()
    live = re.search(r'<div class="explorer-live" hidden>.*?</form>', text, re.S).group(0)
    range_id = re.search(r'<input type="range" id="([\w-]+)" min="0" max="10" step="1" value="3"', live).group(1)
    assert f'<label for="{range_id}">p</label>' in live
    assert 'aria-valuetext="0.30"' in live and ">0.30</output>" in live
    labels = json.loads(html.unescape(re.search(r'data-labels="([^"]+)"', live).group(1)))
    assert labels == [f"{v / 10:.2f}" for v in range(11)]
    assert "<fieldset" in live and "<legend>word</legend>" in live
    assert live.count('type="radio"') == 2 and re.search(r'value="0" checked><span>mat</span>', live)
    assert 'aria-live="polite"' in text
    # Without JavaScript only the snapshots show: the live part stays hidden.
    assert text.count('class="explorer-static"') == 1


def test_web_positions_follow_each_control():
    assert web_positions(widgets.IntSlider(value=2, min=0, max=4)) == [0, 1, 2, 3, 4]
    assert web_positions(widgets.FloatSlider(value=0, min=0, max=0.5, step=0.05))[3] == 0.15
    log = web_positions(widgets.FloatLogSlider(value=0.1, base=10, min=-3, max=0, step=0.01))
    assert len(log) == MAX_POSITIONS and log[0] == 0.001 and log[-1] == 1.0 and 0.1 in log
    many = web_positions(widgets.IntSlider(value=37, min=1, max=150))
    assert len(many) == MAX_POSITIONS and many[0] == 1 and many[-1] == 150 and 37 in many
    assert many == sorted(many)
    assert web_positions(widgets.Dropdown(options=[("one", 1), ("two", 2)])) == [1, 2]
    assert web_positions(widgets.RadioButtons(options=["a", "b", "c"])) == ["a", "b", "c"]
    assert web_positions(widgets.SelectionSlider(options=["x", "y"])) == ["x", "y"]
    assert web_positions(widgets.Checkbox()) == [False, True]
    with pytest.raises(ValueError, match="web_values"):
        web_positions(widgets.Text())


def test_values_are_shown_as_the_widget_shows_them():
    assert format_value(widgets.FloatLogSlider(readout_format=".3f"), 0.0851138) == "0.085"
    assert format_value(widgets.IntSlider(), 7) == "7"
    assert format_value(widgets.ToggleButtons(options=[("yes", True), ("no", False)]), False) == "no"
    assert format_value(widgets.Checkbox(), True) == "on"


def test_web_values_override_and_frame_budget():
    explorer = make_two_control_explorer(web_values={"p": [0.1, 0.5]})
    assert explorer.web_grid() == {"p": [0.1, 0.5], "label": ["mat", "rug"]}
    sliders = {name: widgets.IntSlider(value=0, min=0, max=100) for name in "abc"}
    with pytest.raises(ValueError, match=r"needs 15625 web frames \(25 a × 25 b × 25 c\).*budget of 100"):
        Explorer(lambda fig, a, b, c: None, sliders, [{"a": 1}], alt="", caption="")
    small = Explorer(lambda fig, a, b, c: None, sliders, [{"a": 1}], alt="", caption="",
                     web_values={name: [0, 50, 100] for name in "abc"})
    assert len(small.web_settings()) == 27
    with pytest.raises(ValueError, match="do not match"):
        make_two_control_explorer(web_values={"q": [1]})


def test_snapshots_must_match_controls():
    slider = widgets.FloatSlider()
    with pytest.raises(ValueError, match="do not match"):
        Explorer(draw_bar, {"p": slider}, [{"q": 0.2}], alt="", caption="")
    with pytest.raises(ValueError, match="at least one"):
        Explorer(draw_bar, {"p": slider}, [], alt="", caption="")


def test_frames_are_stored_compactly_and_come_back_exactly():
    svgs = ["<a>\n<b>\n<c>", "<a>\n<x>\n<c>", "<a>\n<b>\n<c>", ""]
    compact = explorer_module._compact(svgs)
    assert compact["lines"] == ["<a>", "<b>", "<c>", "<x>", ""]
    assert compact["frames"][0] == [0, 3]  # one run of three lines
    assert expand(compact) == svgs


def test_frames_drawn_in_parallel_equal_frames_drawn_one_by_one(book_build):
    explorer = make_two_control_explorer()
    serial = [explorer.web_frame_svg(s) for s in explorer.web_settings()]
    assert explorer.web_frames() == serial


def draw_maths(fig, p):
    """Mathtext in a label, a title and a log axis's tick labels (10^{-3} ...)."""
    ax = fig.subplots()
    ax.semilogx([1e-3, p, 1.0], [0.0, p, 1.0], label=r"$-\log p_{\mathrm{mat}}$")
    ax.set_title(rf"$p_k = {p:.2f}$")
    ax.legend()


def test_web_frames_parse_mathtext_once_and_draw_the_same_bytes(book_build, monkeypatch):
    """While frames are drawn, each mathtext string is parsed once per cache key, not again for every
    renderer (four times a frame); the frames keep every byte, and the shared cache goes afterwards."""
    import collections
    import functools

    from matplotlib import mathtext

    before = mathtext.MathTextParser.__dict__["_parse_cached"]
    # Three settings: each check below holds per frame, so more frames would only cost time.
    explorer = Explorer(draw_maths, {"p": widgets.FloatSlider(value=0.5, min=0.1, max=0.5, step=0.2)},
                        [{"p": 0.3}], alt="A curve", caption="Maths labels.")
    serial = [explorer.frame_svg(s) for s in explorer.web_settings()]  # matplotlib's own caching
    frames = len(serial)
    assert frames == 3 and len(set(serial)) == frames
    assert explorer.web_frames() == [explorer.web_frame_svg(s) for s in explorer.web_settings()]
    assert mathtext.MathTextParser.__dict__["_parse_cached"] is before

    parses = collections.Counter()

    def counting(parser, s, *rest):
        parses[s] += 1
        return before.__wrapped__(parser, s, *rest)

    monkeypatch.setattr(mathtext.MathTextParser, "_parse_cached", functools.lru_cache(50)(counting))
    [explorer.frame_svg(s) for s in explorer.web_settings()]
    assert parses[r"$\mathdefault{10^{-3}}$"] >= 2 * frames  # without the shared cache: again every frame
    parses.clear()
    with explorer_module._mathtext_parsed_once():
        assert [explorer.frame_svg(s) for s in explorer.web_settings()] == serial
    # Once per distinct cache key (the layout's text measure and the SVG renderer differ in it).
    assert max(parses.values()) <= 2, parses
