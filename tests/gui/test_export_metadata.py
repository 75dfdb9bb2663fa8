"""Export PNG writes settings only for a picture they made: a result as it was rendered, with
the model named as the user knows it; a sketch (the result layer hidden) gets none."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from f1studio.project.export import PARAMETERS_KEY, REQUEST_KEY, read_png_parameters


def test_export_of_a_hidden_result_claims_nothing_and_of_a_shown_one_its_settings(
    qtbot, small_window, tiny_models: dict[str, Path], tmp_path: Path, monkeypatch
) -> None:
    window, doc = small_window, small_window.doc
    sketch = doc.layers[0].id
    doc.paint_rect(sketch, 16, 16, 48, 48, (0, 160, 0))
    with qtbot.waitSignal(window.worker.jobFinished, timeout=60000):
        window.generation.generate()
    qtbot.wait(50)
    (record,) = doc.results
    qtbot.mouseClick(window.results.apply_button, Qt.MouseButton.LeftButton)  # Apply
    window.results.select_result(None)
    result_layer = doc.layers[-1].id
    doc.set_setting("steps", 150)  # the panel now says 150; the result was made with 3
    out = tmp_path / "export.png"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))

    doc.set_layer_property(result_layer, "visible", False)  # the sketch shows
    window.export_png()
    written = np.asarray(Image.open(out).convert("RGB"))
    assert np.array_equal(written, doc.visible_canvas()) and written[32, 32, 1] == 160
    assert read_png_parameters(out) == {}  # no steps, seed or model that did not make it
    assert "without generation settings" in window.statusBar().currentMessage()

    doc.set_layer_property(result_layer, "visible", True)  # the result as rendered
    window.export_png()
    assert np.array_equal(np.asarray(Image.open(out).convert("RGB")), record.image)
    chunks = read_png_parameters(out)
    settings = chunks[PARAMETERS_KEY].splitlines()[-1]
    assert settings.startswith("Steps: 3, Sampler: ")
    assert f"Seed: {record.seed}, Size: 64x64, " in settings
    assert settings.endswith(f"Model: {tiny_models['pipeline'].parent.name}")  # not "pipeline"
    assert f'"seed": {record.seed}' in chunks[REQUEST_KEY]
    assert window.statusBar().currentMessage() == "Exported export.png"
