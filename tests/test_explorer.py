"""The explorer is live in a kernel and carries a static rendering for the website."""

from __future__ import annotations

import base64
import re

import ipywidgets as widgets
import pytest

from lib.explorer import Explorer


def draw_bar(fig, p, label="p"):
    ax = fig.subplots()
    ax.bar([label], [p])
    ax.set_ylim(0, 1)


def make_explorer():
    slider = widgets.FloatSlider(value=0.5, min=0, max=1, description="p")
    return slider, Explorer(draw_bar, {"p": slider}, [{"p": 0.2}, {"p": 0.9}, {"p": 0.4}],
                            alt="Three bars", caption="Bars of height p.")


def test_moving_the_slider_redraws_the_live_figure():
    slider, explorer = make_explorer()
    before = explorer.image.value
    assert before[:4] == b"\x89PNG"
    slider.value = 0.8
    assert explorer.image.value != before
    slider.value = 0.5
    assert explorer.image.value == before  # deterministic drawing


def test_mimebundle_has_widget_view_and_static_figure():
    _, explorer = make_explorer()
    bundle = explorer._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    html = bundle["text/html"]
    assert 'alt="Three bars"' in html and "Bars of height p." in html and "Binder" in html
    svg = base64.b64decode(re.search(r"base64,([A-Za-z0-9+/=]+)", html).group(1)).decode()
    assert svg.count("<g id=\"axes_") == 3  # one panel per snapshot
    assert explorer.static_html() == make_explorer()[1].static_html()  # two builds agree


def test_snapshots_must_match_controls():
    slider = widgets.FloatSlider()
    with pytest.raises(ValueError, match="do not match"):
        Explorer(draw_bar, {"p": slider}, [{"q": 0.2}], alt="", caption="")
    with pytest.raises(ValueError, match="at least one"):
        Explorer(draw_bar, {"p": slider}, [], alt="", caption="")
