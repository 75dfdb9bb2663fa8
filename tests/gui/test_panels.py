"""Side panels bound both ways to the Document: edits are undoable, undo updates the widgets."""

from __future__ import annotations

import numpy as np
import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QInputDialog,
    QLineEdit,
    QStyle,
    QStyleOptionButton,
    QWidget,
)

from f1studio.document.build import build_request
from f1studio.document.document import Document
from f1studio.document.layers import LayerKind
from f1studio.document.results import ResultRecord
from f1studio.document.settings import SeedMode
from f1studio.gui.panels.binding import ValueSlider
from f1studio.gui.panels.guidance import GuidanceSlider
from f1studio.gui.panels.layer_properties import MIN_RANGE_GAP, clamp_range
from f1studio.gui.panels.layers_panel import COL_NAME, LayersPanel, region_color
from f1studio.gui.panels.prompt_panel import SCHEDULER_LABELS, PromptPanel
from f1studio.gui.panels.results_strip import ResultsStrip

LEFT = Qt.MouseButton.LeftButton


def _show(qtbot, widget: QWidget) -> QWidget:
    qtbot.addWidget(widget)
    widget.show()
    return widget


def _click_checkbox(qtbot, box: QCheckBox) -> None:
    """Click a checkbox where its indicator is drawn, as a user would."""
    opt = QStyleOptionButton()
    box.initStyleOption(opt)
    rect = box.style().subElementRect(QStyle.SubElement.SE_CheckBoxIndicator, opt, box)
    qtbot.mouseClick(box, LEFT, pos=rect.center())


def _drag(slider: ValueSlider, *values: float) -> None:
    """Press the handle, move through ``values``, release."""
    slider.slider.setSliderDown(True)
    for v in values:
        slider.setValue(v)
    slider.slider.setSliderDown(False)


def _type(qtbot, widget: QWidget, text: str) -> None:
    widget.setFocus()
    qtbot.keyClicks(widget, text)


# ---- guidance -----------------------------------------------------------------------------
def test_guidance_slider_writes_the_setting_used_by_the_next_request(qtbot) -> None:
    doc = Document(64, 64, prompt="a fox")
    panel = _show(qtbot, GuidanceSlider(doc))
    assert panel.value() == 7.5
    panel.slider.setValue(11.0)
    assert doc.settings.guidance_scale == 11.0
    assert build_request(doc).guidance_scale == 11.0
    panel.slider.setValue(3.3)  # snaps to the 0.5 grid
    assert doc.settings.guidance_scale == 3.5 and panel.slider.spin.value() == 3.5
    panel.slider.setValue(99)  # clamps to 20
    assert doc.settings.guidance_scale == 20.0


def test_a_guidance_drag_is_no_undo_step_and_the_slider_follows_the_document(qtbot) -> None:
    # settings are not undo steps (document.py): Ctrl+Z never just moves a slider
    doc = Document(64, 64)
    panel = _show(qtbot, GuidanceSlider(doc))
    _drag(panel.slider, 8.0, 9.0, 10.5)
    assert doc.settings.guidance_scale == 10.5 and not doc.can_undo
    doc.set_setting("guidance_scale", 3.0)  # e.g. the defaults of another model
    assert panel.value() == 3.0 and panel.slider.spin.value() == 3.0
    assert doc.settings.guidance_scale == 3.0  # showing the value wrote nothing back


def test_guidance_value_can_be_typed(qtbot) -> None:
    doc = Document(64, 64)
    panel = _show(qtbot, GuidanceSlider(doc))
    spin = panel.slider.spin
    spin.selectAll()
    _type(qtbot, spin, "12")
    qtbot.keyClick(spin, Qt.Key.Key_Return)
    assert doc.settings.guidance_scale == 12.0 and panel.slider.slider.value() == 22


def test_panels_follow_the_document_they_are_given(qtbot) -> None:
    old, new = Document(64, 64), Document(128, 64, prompt="new")
    panels = [
        GuidanceSlider(old),
        PromptPanel(old),
        LayersPanel(old),
    ]
    for panel in panels:
        _show(qtbot, panel)
        panel.set_document(new)
    assert old._listeners == []
    old.set_setting("guidance_scale", 3.0)
    new.set_setting("guidance_scale", 9.0)
    assert panels[0].value() == 9.0
    assert panels[1].prompt_edit.toPlainText() == "new"
    assert panels[1].width_spin.value() == 128
    new.add_layer("paint", "only")
    assert panels[2].tree.topLevelItem(0).text(COL_NAME) == "only"


def test_a_deleted_panel_stops_listening(qtbot) -> None:
    doc = Document(64, 64)
    parent = QWidget()
    LayersPanel(doc, parent)
    GuidanceSlider(doc, parent)
    assert len(doc._listeners) == 3  # the list, its properties, the slider
    parent.deleteLater()
    qtbot.waitUntil(lambda: not shiboken6.isValid(parent))
    doc.add_layer("paint")
    doc.set_setting("guidance_scale", 4.0)
    assert doc._listeners == []


# ---- prompt panel -------------------------------------------------------------------------
def test_prompt_panel_edits_appear_in_the_request(qtbot) -> None:
    doc = Document(64, 64)
    panel = _show(qtbot, PromptPanel(doc))
    _type(qtbot, panel.prompt_edit, "a red fox")
    _type(qtbot, panel.negative_edit, "blurry")
    panel.steps_spin.setValue(30)
    panel.seed_spin.setValue(1234)
    panel.scheduler_combo.setCurrentIndex(panel.scheduler_combo.findData("euler-a"))
    panel.strength_slider.setValue(0.6)
    panel.batch_spin.setValue(4)
    req = build_request(doc)
    assert (req.prompt, req.negative_prompt) == ("a red fox", "blurry")
    assert (req.steps, req.seed, req.scheduler, req.batch_count) == (30, 1234, "euler-a", 4)
    assert req.strength == 0.6 and req.init_image is not None
    labels = [panel.scheduler_combo.itemText(i) for i in range(panel.scheduler_combo.count())]
    assert labels == list(SCHEDULER_LABELS.values())
    assert panel.strength_slider.toolTip() == "1 = from scratch, lower keeps more of the canvas"


def test_typing_a_prompt_is_one_undo_step_and_undo_updates_the_text(qtbot) -> None:
    doc = Document(64, 64, prompt="old")
    panel = _show(qtbot, PromptPanel(doc))
    panel.prompt_edit.selectAll()
    _type(qtbot, panel.prompt_edit, "a harbour")
    assert doc.prompt == "a harbour" and len(doc.history) == 1
    panel.steps_spin.setValue(40)  # a setting: no undo step (document.py)
    assert doc.settings.steps == 40 and len(doc.history) == 1
    doc.undo()
    assert panel.prompt_edit.toPlainText() == "old" and panel.steps_spin.value() == 40
    doc.set_prompt("from elsewhere")
    assert panel.prompt_edit.toPlainText() == "from elsewhere"
    assert len(doc.history) == 1  # showing it wrote nothing back


def test_leaving_a_field_seals_its_undo_step(qtbot) -> None:
    doc = Document(64, 64)
    panel = _show(qtbot, PromptPanel(doc))
    panel.activateWindow()
    qtbot.waitUntil(panel.isActiveWindow)
    _type(qtbot, panel.prompt_edit, "a fox")
    panel.steps_spin.setFocus()  # focus-out of the prompt
    _type(qtbot, panel.prompt_edit, " runs")
    assert doc.prompt == "a fox runs" and len(doc.history) == 2
    doc.undo()
    assert panel.prompt_edit.toPlainText() == "a fox"


def test_seed_mode_toggle_and_reuse_last(qtbot) -> None:
    doc = Document(64, 64)
    panel = _show(qtbot, PromptPanel(doc))
    assert not panel.reuse_seed_button.isEnabled()
    _click_checkbox(qtbot, panel.random_seed_check)
    assert doc.settings.seed_mode is SeedMode.RANDOM and not panel.seed_spin.isEnabled()
    doc.results.add(ResultRecord(np.zeros((64, 64, 3), np.uint8), {"prompt": "", "seed": 777}))
    assert panel.reuse_seed_button.isEnabled()  # the newest result in the history
    qtbot.mouseClick(panel.reuse_seed_button, LEFT)
    assert doc.settings.seed == 777 and doc.settings.seed_mode is SeedMode.FIXED
    assert panel.seed_spin.value() == 777 and not panel.random_seed_check.isChecked()
    assert build_request(doc).seed == 777


def test_apply_size_scales_every_layer_and_undo_restores_the_pixels(qtbot) -> None:
    doc = Document(128, 96)
    paint = doc.add_layer("paint")
    doc.paint_rect(paint.id, 10, 10, 50, 60, (200, 20, 20))
    region = doc.add_layer("region", prompt="sky")
    doc.paint_rect(region.id, 0, 0, 30, 128, 255)
    before = {layer.id: layer.data.copy() for layer in doc.layers}
    panel = _show(qtbot, PromptPanel(doc))
    assert not panel.apply_size_button.isEnabled()
    panel.width_spin.setValue(250)  # snapped to a multiple of 8 on apply
    panel.height_spin.setValue(64)
    panel.steps_spin.setValue(20)  # an unrelated change keeps the pending size
    assert panel.width_spin.value() == 250 and panel.apply_size_button.isEnabled()
    qtbot.mouseClick(panel.apply_size_button, LEFT)
    assert (doc.width, doc.height) == (248, 64) and panel.width_spin.value() == 248
    assert all(layer.data.shape[:2] == (64, 248) for layer in doc.layers)
    assert not panel.apply_size_button.isEnabled()
    assert build_request(doc).regions[0].mask.shape == (64, 248)
    doc.undo()
    assert (panel.width_spin.value(), panel.height_spin.value()) == (128, 96)
    for layer in doc.layers:
        np.testing.assert_array_equal(layer.data, before[layer.id])


# ---- layers panel -------------------------------------------------------------------------
def _stack() -> tuple[Document, dict[str, str]]:
    doc = Document(64, 64)
    ids = {
        "paint": doc.add_layer("paint", "Background").id,
        "region": doc.add_layer("region", "Sky").id,
        "edge": doc.add_layer("edge", "Lines").id,
    }
    doc.history.clear()
    return doc, ids


def test_layer_list_shows_the_front_first_and_selects_the_top(qtbot) -> None:
    doc, ids = _stack()
    panel = _show(qtbot, LayersPanel(doc))
    assert panel.layer_ids_top_first() == [ids["edge"], ids["region"], ids["paint"]]
    assert [panel.tree.topLevelItem(i).text(COL_NAME) for i in range(3)] == [
        "Lines",
        "Sky",
        "Background",
    ]
    assert panel.active_layer_id == ids["edge"]
    with qtbot.waitSignal(panel.activeLayerChanged) as sig:
        panel.select_layer(ids["paint"])
    assert sig.args == [ids["paint"]] and panel.properties.layer_id == ids["paint"]
    panel.tree.setCurrentItem(panel.tree.topLevelItem(1))  # a click on a row
    assert panel.active_layer_id == ids["region"]


def test_a_reopened_project_shows_the_selected_layers_properties(qtbot, tmp_path) -> None:
    """Opening the saved copy of the project on screen (same layer ids) keeps the selection,
    and the properties show that layer, not "no layer selected"."""
    from f1studio.project.f1s import load_project, save_project

    doc, ids = _stack()
    panel = _show(qtbot, LayersPanel(doc))
    panel.select_layer(ids["region"])
    save_project(doc, tmp_path / "p.f1s")
    reopened = load_project(tmp_path / "p.f1s")
    panel.set_document(reopened)
    assert panel.active_layer_id == ids["region"]
    assert panel.properties.layer_id == ids["region"]
    assert panel.properties.row_shown("prompt")  # a region's own controls


def test_region_rows_show_their_overlay_colour(qtbot) -> None:
    assert region_color(0) != region_color(1) and region_color(3) == region_color(3)
    assert all(0 <= c <= 255 for i in range(30) for c in region_color(i))
    doc, ids = _stack()
    second = doc.add_layer("region", "Boat")
    panel = _show(qtbot, LayersPanel(doc))
    for layer_id, index in ((ids["region"], 0), (second.id, 1)):
        item = panel._item(layer_id)
        image = item.icon(COL_NAME).pixmap(panel.tree.iconSize()).toImage()
        pixel = image.pixelColor(3, 9)
        assert (pixel.red(), pixel.green(), pixel.blue()) == region_color(index)


def test_a_document_opens_on_its_top_visible_layer(qtbot) -> None:
    doc = Document(64, 64)
    visible = doc.add_layer("edge", "Outline")
    hidden = doc.add_layer("edge", "Old outline")
    doc.set_layer_property(hidden.id, "visible", False)
    panel = _show(qtbot, LayersPanel(doc))
    assert panel.active_layer_id == visible.id
    doc.set_layer_property(visible.id, "visible", False)
    assert _show(qtbot, LayersPanel(doc)).active_layer_id == hidden.id  # none shown: the top


def test_new_layers_of_one_kind_get_numbered_names(qtbot) -> None:
    doc = Document(64, 64)
    panel = _show(qtbot, LayersPanel(doc))
    for _ in range(3):
        panel.add_actions[LayerKind.EDGE].trigger()
    names = [doc.layer(i).name for i in panel.layer_ids_top_first()]
    assert names == ["Edge guide 3", "Edge guide 2", "Edge guide"]
    doc.set_layer_property(panel.layer_ids_top_first()[1], "name", "Outline")
    panel.add_actions[LayerKind.EDGE].trigger()  # the first free number
    assert doc.layer(panel.active_layer_id).name == "Edge guide 2"


def test_add_duplicate_delete_and_move_buttons_with_undo(qtbot) -> None:
    doc, ids = _stack()
    panel = _show(qtbot, LayersPanel(doc))
    panel.select_layer(ids["paint"])
    assert not panel.down_button.isEnabled() and panel.up_button.isEnabled()

    with qtbot.waitSignal(panel.activeLayerChanged):
        panel.add_actions[LayerKind.DEPTH].trigger()
    new = panel.active_layer_id
    assert doc.layer(new).kind is LayerKind.DEPTH and doc.index_of(new) == 1  # above paint

    qtbot.mouseClick(panel.duplicate_button, LEFT)
    dup = panel.active_layer_id
    assert dup != new and doc.layer(dup).name == "Depth guide copy" and doc.index_of(dup) == 2

    qtbot.mouseClick(panel.up_button, LEFT)
    assert doc.index_of(dup) == 3 and panel.active_layer_id == dup
    qtbot.mouseClick(panel.down_button, LEFT)
    qtbot.mouseClick(panel.down_button, LEFT)
    assert doc.index_of(dup) == 1 and panel.layer_ids_top_first()[-2] == dup

    qtbot.mouseClick(panel.delete_button, LEFT)
    assert dup not in [layer.id for layer in doc.layers]
    assert panel.active_layer_id in panel.layer_ids_top_first()
    assert len(doc.history) == 6

    doc.undo()  # delete: the layer comes back and is selected
    assert doc.index_of(dup) == 1 and panel.active_layer_id == dup
    doc.undo()
    doc.undo()
    doc.undo()  # moves
    assert doc.index_of(dup) == 2
    doc.undo()  # duplicate
    doc.undo()  # add
    assert panel.layer_ids_top_first() == [ids["edge"], ids["region"], ids["paint"]]
    assert panel.active_layer_id in panel.layer_ids_top_first()


def test_clear_erases_a_guide_in_one_undo_step_but_not_a_locked_layer(qtbot) -> None:
    doc, ids = _stack()
    doc.paint_disc(ids["edge"], 32, 32, 10, 255, 1.0, 1.0)
    drawn = doc.layer(ids["edge"]).data.copy()
    assert drawn.any()
    panel = _show(qtbot, LayersPanel(doc))
    panel.select_layer(ids["edge"])
    steps = len(doc.history)
    qtbot.mouseClick(panel.clear_button, LEFT)
    assert not doc.layer(ids["edge"]).data.any() and len(doc.history) == steps + 1
    assert doc.layer(ids["edge"]).kind is LayerKind.EDGE  # the layer stays, with its settings
    doc.undo()
    np.testing.assert_array_equal(doc.layer(ids["edge"]).data, drawn)
    qtbot.mouseClick(panel.lock_button(ids["edge"]), LEFT)
    assert not panel.clear_button.isEnabled()
    qtbot.mouseClick(panel.lock_button(ids["edge"]), LEFT)
    assert panel.clear_button.isEnabled()


def test_visibility_checkbox_lock_toggle_and_rename(qtbot) -> None:
    doc, ids = _stack()
    panel = _show(qtbot, LayersPanel(doc))
    box = panel.visible_checkbox(ids["region"])
    _click_checkbox(qtbot, box)
    assert doc.layer(ids["region"]).visible is False
    doc.undo()
    assert doc.layer(ids["region"]).visible and panel.visible_checkbox(ids["region"]).isChecked()

    qtbot.mouseClick(panel.lock_button(ids["paint"]), LEFT)
    assert doc.layer(ids["paint"]).locked

    item = panel._item(ids["region"])
    panel.tree.editItem(item, COL_NAME)
    editor = panel.tree.findChildren(QLineEdit)[0]
    editor.selectAll()
    qtbot.keyClicks(editor, "Evening sky")
    qtbot.keyClick(editor, Qt.Key.Key_Return)  # the view commits on its next event loop turn
    qtbot.waitUntil(lambda: doc.layer(ids["region"]).name == "Evening sky")
    doc.undo()
    assert panel._item(ids["region"]).text(COL_NAME) == "Sky"


# ---- layer properties ---------------------------------------------------------------------
def test_edge_guide_shows_weight_and_range_which_write_the_layer(qtbot) -> None:
    doc, ids = _stack()
    doc.paint_rect(ids["edge"], 20, 0, 21, 64, 255)
    panel = _show(qtbot, LayersPanel(doc))
    panel.select_layer(ids["edge"])
    props = panel.properties
    shown = {k for k in ("prompt", "weight", "range", "strength", "extract") if props.row_shown(k)}
    assert shown == {"weight", "range"}

    props.range_slider.setValue((0.2, 0.7))
    edge = doc.layer(ids["edge"])
    assert (edge.start, edge.end) == (0.2, 0.7)
    props.range_slider.setValue((0.68, 0.7))  # too close: the moved start gives way
    assert (edge.start, edge.end) == (pytest.approx(0.65), 0.7)
    assert tuple(props.range_slider.value()) == pytest.approx((0.65, 0.7))
    props.range_slider.setValue((0.9, 0.95))  # past the old end: both move together
    assert (edge.start, edge.end) == (0.9, 0.95)
    props.seal()  # the drag ends: the whole drag was one undo step
    assert doc.history.labels[-1] == "Step range: 0%–100% → 90%–95%"
    doc.undo()
    assert (edge.start, edge.end) == (0.0, 1.0)
    doc.redo()

    _drag(props.weight_slider, 1.2, 1.5)
    assert edge.weight == 1.5
    control = build_request(doc).controls[0]
    assert (control.weight, control.start, control.end) == (1.5, 0.9, 0.95)
    doc.undo()
    assert props.weight_slider.value() == 1.0


def test_clamp_range_keeps_start_before_end() -> None:
    assert clamp_range(0.5, 0.5, old_start=0.0) == (0.45, 0.5)
    assert clamp_range(0.5, 0.5, old_start=0.5) == (0.5, 0.55)
    assert clamp_range(0.0, 0.01, old_start=0.3) == (0.0, MIN_RANGE_GAP)
    assert clamp_range(0.99, 1.0, old_start=0.99) == (0.95, 1.0)
    assert clamp_range(0.8, 0.2, old_start=0.0) == (0.2, 0.8)


def test_region_prompt_and_weight_reach_its_region_spec(qtbot) -> None:
    doc, ids = _stack()
    doc.paint_rect(ids["region"], 0, 0, 20, 64, 255)
    doc.history.clear()
    panel = _show(qtbot, LayersPanel(doc))
    panel.select_layer(ids["region"])
    props = panel.properties
    assert props.row_shown("prompt") and props.row_shown("weight")
    assert not props.row_shown("range")
    _type(qtbot, props.prompt_edit, "orange sky")
    _type(qtbot, props.negative_edit, "clouds")
    _drag(props.weight_slider, 0.5, 0.8)
    region = build_request(doc).regions[0]
    assert (region.prompt, region.negative_prompt, region.weight) == ("orange sky", "clouds", 0.8)
    assert len(doc.history) == 3  # typing and the drag: one step each
    doc.undo()
    doc.undo()
    assert props.negative_edit.text() == "" and props.prompt_edit.text() == "orange sky"


def test_inpaint_and_common_properties(qtbot) -> None:
    doc = Document(64, 64)
    mask = doc.add_layer("inpaint")
    panel = _show(qtbot, LayersPanel(doc))
    props = panel.properties
    assert props.row_shown("strength") and props.row_shown("feather")
    props.strength_slider.setValue(0.55)
    props.feather_slider.setValue(20)
    props.opacity_slider.setValue(0.4)
    layer = doc.layer(mask.id)
    assert (layer.strength, layer.feather, layer.opacity) == (0.55, 20, 0.4)
    assert isinstance(layer.feather, int)
    _click_checkbox(qtbot, props.visible_check)
    assert not layer.visible and not panel.visible_checkbox(mask.id).isChecked()


def test_locked_layer_disables_its_property_widgets(qtbot) -> None:
    doc, ids = _stack()
    panel = _show(qtbot, LayersPanel(doc))
    panel.select_layer(ids["region"])
    props = panel.properties
    _click_checkbox(qtbot, props.locked_check)
    assert doc.layer(ids["region"]).locked
    assert props.visible_check.isEnabled() and props.locked_check.isEnabled()
    disabled = (props.name_edit, props.opacity_slider, props.prompt_edit, props.weight_slider)
    assert not any(w.isEnabled() for w in disabled)
    with qtbot.waitSignal(props.statusMessage) as sig:
        props.prompt_edit.setText("sneaky")  # a refused edit is reported and undone
    assert "locked" in sig.args[0] and props.prompt_edit.text() == ""
    doc.undo()
    assert all(w.isEnabled() for w in disabled)


def test_reference_buttons_request_guide_extraction(qtbot) -> None:
    doc = Document(64, 64)
    ref = doc.add_layer("reference")
    panel = _show(qtbot, LayersPanel(doc))
    props = panel.properties
    assert props.row_shown("extract") and props.row_shown("opacity")
    with qtbot.waitSignal(panel.extractRequested) as sig:
        qtbot.mouseClick(props.edges_button, LEFT)
    assert sig.args == [ref.id, "edge"]
    with qtbot.waitSignal(panel.extractRequested) as sig:
        qtbot.mouseClick(props.depth_button, LEFT)
    assert sig.args == [ref.id, "depth"]


# ---- results strip ------------------------------------------------------------------------
def test_results_strip_shows_the_history_previews_applies_and_discards(qtbot, monkeypatch) -> None:
    doc = Document(96, 64)
    records = [
        ResultRecord(np.full((64, 96, 3), v, np.uint8), {"prompt": "a fox", "seed": i}, id=f"r{i}")
        for i, v in enumerate((10, 120, 240))
    ]
    for record in records[:2]:
        doc.results.add(record)
    strip = _show(qtbot, ResultsStrip(doc))
    assert strip.result_ids() == ["r1", "r0"]  # newest first
    doc.results.add(records[2])  # the strip follows the document
    assert strip.count == 3 and strip.result_ids() == ["r2", "r1", "r0"]
    assert not strip.apply_button.isEnabled()

    with qtbot.waitSignal(strip.previewChanged) as sig:
        strip.select_result("r0")
    assert sig.args == [records[0]]
    strip.list.setFocus()
    with qtbot.waitSignal(strip.previewChanged) as sig:  # the arrow keys walk the strip
        qtbot.keyClick(strip.list, Qt.Key.Key_Left)
    assert sig.args == [records[1]]
    with qtbot.waitSignal(strip.applyRequested) as sig:
        qtbot.mouseClick(strip.apply_button, LEFT)
    assert sig.args == [records[1]]
    with qtbot.waitSignal(strip.applyRequested) as sig:
        qtbot.keyClick(strip.list, Qt.Key.Key_Return)
    assert sig.args == [records[1]]

    with qtbot.waitSignal(strip.previewChanged) as sig:
        qtbot.keyClick(strip.list, Qt.Key.Key_Delete)  # discard: gone from the history
    assert "r1" not in doc.results and strip.result_ids() == ["r2", "r0"]
    assert sig.args == [None]

    labels = [a.text() for a in strip.menu_for("r2").actions() if a.text()]
    assert labels == [
        "Apply as layer",
        "Reuse settings",
        "Reuse seed",
        "Discard",
        "Keep at most 50 results…",
    ]
    monkeypatch.setattr(QInputDialog, "getInt", lambda *a, **k: (1, True))
    strip.menu_for("r2").actions()[-1].trigger()
    assert doc.results.limit == 1 and strip.result_ids() == ["r2"]  # the oldest went first
    doc.results.set_limit(50)
    doc.results.add(records[0])
    reuse = strip.menu_for("r2").actions()[2]
    with qtbot.waitSignal(strip.reuseSeedRequested) as sig:
        reuse.trigger()
    assert sig.args == [records[2]]
    strip.select_result("r2")
    with qtbot.waitSignal(strip.previewChanged) as sig:
        qtbot.keyClick(strip.list, Qt.Key.Key_Escape)
    assert sig.args == [None]

    layer = doc.add_layer("paint", data=np.zeros((64, 96, 4), np.uint8))
    doc.results.mark_applied("r2", layer.id)
    assert strip.is_applied("r2") and not strip.menu_for("r2").actions()[0].isEnabled()
    doc.undo()  # the layer is gone: it may be applied again
    assert not strip.is_applied("r2")
    strip.set_document(Document(64, 64))
    assert strip.count == 0 and not strip.discard_button.isEnabled()
    assert strip.list.iconSize().width() == 96
