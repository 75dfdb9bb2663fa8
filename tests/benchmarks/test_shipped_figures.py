"""benchmarks/shipped_figures.py: the figures test_shipped_model asserts, printed for a model
folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.shipped_figures import main

pytestmark = pytest.mark.slow  # renders the demo model


def test_it_prints_the_hand_drawn_outlines_figures(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--only", "outlines"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("## outlines (")
    figures = dict(line.split(" = ") for line in lines[1:])
    assert set(figures) == {
        f"outlines.{name}_{how}{lowest}"
        for name in ("hand_triangle_green", "half_canvas_square_blue")
        for how in ("suggested", "balanced")
        for lowest in ("", "_lowest")
    }
    # the shipped model fills both outlines in the prompt's colour (its tests assert 0.9)
    assert float(figures["outlines.hand_triangle_green_suggested"]) >= 0.9
    assert float(figures["outlines.half_canvas_square_blue_suggested"]) >= 0.9


def test_it_refuses_a_folder_without_a_model_and_unknown_groups(tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        main(["--model", str(tmp_path)])
    with pytest.raises(SystemExit):
        main(["--only", "colours"])
