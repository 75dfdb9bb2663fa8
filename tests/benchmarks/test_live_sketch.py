"""The live-sketch benchmark runs and prints its three ways."""

from __future__ import annotations

import sys

import pytest

pytestmark = pytest.mark.slow


def test_it_prints_each_way(monkeypatch, capsys):
    from benchmarks import live_sketch

    monkeypatch.setattr(sys, "argv", ["live_sketch.py", "--cases", "1"])
    live_sketch.main()
    out = capsys.readouterr().out
    for way in ("inpaint ControlNet", "strength map alone", "img2img of the whole canvas"):
        assert way in out
    assert out.count("sketch kept") == 3
