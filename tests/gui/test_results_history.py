"""Results preview before they become layers, and the history lives with the project."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from f1studio.document.settings import SeedMode


@pytest.fixture()
def window(small_window):
    return small_window


def _render(qtbot, window) -> None:
    with qtbot.waitSignal(window.worker.jobFinished, timeout=60000):
        window.generation.generate()
    qtbot.wait(50)


def test_a_batch_previews_each_result_and_adds_no_layer(qtbot, window):
    window.doc.set_setting("batch_count", 4)
    layers = [layer.id for layer in window.doc.layers]
    _render(qtbot, window)
    assert [layer.id for layer in window.doc.layers] == layers
    assert window.results.count == 4 and len(window.doc.results) == 4
    seeds = [r.seed for r in window.doc.results]
    assert len(set(seeds)) == 4
    # the batch's first seed (the one the prompt panel shows) previews first, the rest after it
    first = window.doc.settings.seed
    assert window.results.previewed_record().seed == first
    assert [window.results.record(i).seed for i in window.results.result_ids()] == [
        first, first + 1, first + 2, first + 3,
    ]  # fmt: skip
    window.results.list.setFocus()
    shown = []
    window.results.previewChanged.connect(lambda r: shown.append(r.id if r else None))
    for _ in range(3):  # the arrow keys walk the strip, each result previews
        qtbot.keyClick(window.results.list, Qt.Key.Key_Right)
    assert len(set(shown)) == 3 and window.canvas.previewing_result


def test_painting_hides_the_preview_and_keeps_the_result(qtbot, window):
    _render(qtbot, window)
    assert window.canvas.previewing_result
    sketch = window.doc.layers[0].id
    window.layers_panel.select_layer(sketch)
    centre = window.canvas.canvas_to_widget(32, 32).toPoint()
    qtbot.mouseClick(window.canvas, Qt.MouseButton.LeftButton, pos=centre)
    assert not window.canvas.previewing_result and window.results.selected_id is None
    assert window.doc.layer(sketch).data.any() and window.results.count == 1


def test_history_survives_save_and_reopen(qtbot, window, tmp_path):
    _render(qtbot, window)
    window.doc.set_setting("seed", 5)
    _render(qtbot, window)
    first, second = window.doc.results
    path = tmp_path / "h.f1s"
    assert window._save_to(path)
    window.new_project()
    assert window.results.count == 0 and not window.prompt_panel.reuse_seed_button.isEnabled()
    assert window.open_path(path)
    assert window.results.result_ids() == [second.id, first.id]
    assert window.prompt_panel.reuse_seed_button.isEnabled()
    (reopened,) = [r for r in window.doc.results if r.id == second.id]
    assert np.array_equal(reopened.image, second.image) and reopened.seed == 5


def test_reuse_settings_and_reuse_seed(qtbot, window):
    window.doc.set_setting("seed", 77)
    window.doc.set_setting("guidance_scale", 6.5)
    _render(qtbot, window)
    (record,) = window.doc.results
    doc = window.doc
    doc.set_prompt("something else")
    doc.set_setting("steps", 9)
    doc.set_setting("guidance_scale", 3.0)
    doc.set_setting("seed_mode", SeedMode.RANDOM)
    doc.set_setting("seed", 1)
    window.generation.reuse_settings(record)
    assert (doc.prompt, doc.settings.steps, doc.settings.guidance_scale) == ("a red car", 3, 6.5)
    assert (doc.settings.seed, doc.settings.seed_mode) == (77, SeedMode.FIXED)
    assert doc.settings.models.base is None  # the model in use already: nothing written
    doc.set_setting("seed", 2)
    action = next(
        a for a in window.results.menu_for(record.id).actions() if a.text() == "Reuse seed"
    )
    action.trigger()
    assert doc.settings.seed == 77


def test_a_result_of_another_size_says_why_it_is_not_applied(qtbot, window):
    _render(qtbot, window)
    (record,) = window.doc.results
    window.doc.resize_canvas(128, 128)
    window.results.select_result(record.id)
    qtbot.mouseClick(window.results.apply_button, Qt.MouseButton.LeftButton)
    assert "64x64" in window.statusBar().currentMessage()
    assert len(window.doc.layers) == 1


def test_guides_stay_faint_over_a_previewed_result(qtbot, window):
    """An inpaint mask's hatching over the whole canvas must not hide the result under it:
    over a preview the guides are drawn faint (and fully without one)."""
    from f1studio.document.layers import LayerKind

    mask = window.doc.add_layer(LayerKind.INPAINT, name="Mask")
    window.doc.paint_rect(mask.id, 0, 0, 64, 64, 255)
    _render(qtbot, window)
    window.canvas.set_guides_visible(False)
    bare = _screen(window)
    window.canvas.set_guides_visible(True)
    with_guides = _screen(window)
    change = np.abs(with_guides - bare).max()
    assert 0 < change < 50  # drawn fully, the hatching changes it by about 100


def _screen(window) -> np.ndarray:  # noqa: ANN001
    image = window.canvas.grab().toImage()
    top_left = window.canvas.canvas_to_widget(0, 0).toPoint()
    pixels = [
        [image.pixelColor(top_left.x() + x, top_left.y() + y).getRgb()[:3] for x in range(0, 60, 3)]
        for y in range(0, 60, 3)
    ]
    return np.array(pixels, dtype=int)


def test_export_while_a_result_previews_exports_that_result(qtbot, window, tmp_path, monkeypatch):
    """What the canvas shows is what Export writes: the previewed result, not the blank
    canvas under it; once applied (or hidden), the canvas again."""
    from PIL import Image
    from PySide6.QtWidgets import QFileDialog

    from f1studio.project.export import REQUEST_KEY, read_png_parameters

    _render(qtbot, window)
    (record,) = window.doc.results
    assert window.canvas.previewing_result
    out = tmp_path / "shown.png"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    window.export_png()
    assert np.array_equal(np.asarray(Image.open(out).convert("RGB")), record.image)
    assert f'"seed": {record.seed}' in read_png_parameters(out)[REQUEST_KEY]
    window.results.select_result(None)  # preview hidden: the (blank) canvas is exported
    window.export_png()
    assert not np.array_equal(np.asarray(Image.open(out).convert("RGB")), record.image)


def test_enter_on_the_canvas_applies_the_preview_and_esc_hides_it(qtbot, window):
    """The canvas badge says so: Enter applies the previewed result, Esc hides it."""
    _render(qtbot, window)
    window.canvas.setFocus()
    layers = len(window.doc.layers)
    qtbot.keyClick(window.canvas, Qt.Key.Key_Return)
    assert len(window.doc.layers) == layers + 1
    window.doc.set_setting("seed", 11)
    _render(qtbot, window)
    assert window.canvas.previewing_result
    qtbot.keyClick(window.canvas, Qt.Key.Key_Escape)
    assert not window.canvas.previewing_result and window.results.selected_id is None
    assert len(window.doc.layers) == layers + 1 and window.results.count == 2
    qtbot.keyClick(window.canvas, Qt.Key.Key_Return)  # nothing previews: nothing happens
    assert len(window.doc.layers) == layers + 1


def test_esc_hides_the_preview_wherever_the_focus_is(qtbot, window):
    """With no render running, Render ▸ Cancel's Esc hides the preview even when a button or
    the prompt panel has the focus (the canvas is not the only place a user's focus is)."""
    _render(qtbot, window)
    assert window.canvas.previewing_result
    button = window.render_controls.generate_button
    button.setFocus()
    qtbot.keyClick(button, Qt.Key.Key_Escape)
    assert not window.canvas.previewing_result and window.results.selected_id is None
    assert window.results.count == 1  # hidden, not discarded
