"""CanvasView: painting through real mouse events, undo, tools, zoom/pan, drops, rendering."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import (
    QDragEnterEvent,
    QDropEvent,
    QImage,
    QInputDevice,
    QPointingDevice,
    QTabletEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QApplication

from f1studio.document.document import Document
from f1studio.document.layers import LayerKind
from f1studio.gui.canvas.render_cache import REGION_COLORS
from f1studio.gui.canvas.view import CanvasView
from f1studio.gui.tools import BrushSettings, ToolKind

LEFT, MIDDLE = Qt.MouseButton.LeftButton, Qt.MouseButton.MiddleButton
NOMOD = Qt.KeyboardModifier.NoModifier


@pytest.fixture
def doc() -> Document:
    d = Document(128, 128)
    d.add_layer(LayerKind.PAINT, name="Paint")
    d.history.clear()
    return d


@pytest.fixture
def view(qtbot, doc: Document) -> CanvasView:
    v = CanvasView(doc)
    qtbot.addWidget(v)
    v.resize(400, 320)
    v.show()
    qtbot.waitExposed(v)
    v.set_zoom(2.0)
    v.set_offset(QPointF(10, 20))
    v.set_active_layer(doc.layers[0].id)
    v.set_brush(BrushSettings(size=8, hardness=1.0, opacity=1.0, color=(200, 10, 30, 255)))
    return v


def at(view: CanvasView, x: float, y: float) -> QPoint:
    """Widget point over the centre of canvas pixel (x, y)."""
    return view.canvas_to_widget(x + 0.5, y + 0.5).toPoint()


def drag(qtbot, view: CanvasView, points, button=LEFT, modifier=NOMOD) -> None:
    qtbot.mousePress(view, button, modifier, at(view, *points[0]))
    for x, y in points[1:]:
        qtbot.mouseMove(view, at(view, x, y))
    qtbot.mouseRelease(view, button, modifier, at(view, *points[-1]))


def add_active(doc: Document, view: CanvasView, kind: LayerKind, name: str = "") -> str:
    layer = doc.add_layer(kind, name=name)
    doc.history.clear()
    view.set_active_layer(layer.id)
    return layer.id


def grab(view: CanvasView) -> np.ndarray:
    image = view.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    w, h = image.width(), image.height()
    arr = np.frombuffer(image.constBits(), np.uint8).reshape(h, image.bytesPerLine())
    return arr[:, : 3 * w].reshape(h, w, 3).copy()


def pixel(shot: np.ndarray, view: CanvasView, x: float, y: float) -> np.ndarray:
    p = at(view, x, y)
    return shot[p.y(), p.x()].astype(int)


# ---- painting and undo ----------------------------------------------------------------
def test_brush_stroke_paints_along_path_and_undoes_bit_identically(qtbot, view, doc) -> None:
    data = doc.layers[0].data
    data[100:, 100:] = (1, 2, 3, 40)  # something that must come back exactly
    before = data.copy()
    with qtbot.waitSignal(view.strokeFinished) as finished:
        drag(qtbot, view, [(10, 30), (110, 30), (110, 90)])  # one big jump per segment
    assert finished.args == [doc.layers[0].id]
    painted = data.copy()
    assert (painted[30, 10:111, 3] == 255).all()  # continuous along the fast path
    assert (painted[30:91, 110, 3] == 255).all()
    assert tuple(painted[30, 60]) == (200, 10, 30, 255)
    assert (painted[60, 20:90] == before[60, 20:90]).all()  # away from the path
    assert len(doc.history) == 1  # one press..release = one undo step
    patch = doc.history.undo_stack[-1]
    assert sum(t.before.size for t in patch.tiles) < before.size  # only changed tiles
    assert doc.undo()
    assert np.array_equal(data, before)
    assert doc.redo()
    assert np.array_equal(data, painted)


def test_stroke_outside_canvas_records_nothing(qtbot, view, doc) -> None:
    drag(qtbot, view, [(-40, -40), (-30, -35)])
    assert len(doc.history) == 0


def test_region_brush_writes_255_and_eraser_clears(qtbot, view, doc) -> None:
    region = add_active(doc, view, LayerKind.REGION, "Sky")
    drag(qtbot, view, [(20, 20), (60, 20)])
    mask = doc.layer(region).data
    assert (mask[20, 20:61] == 255).all() and mask[60, 60] == 0
    view.set_tool(ToolKind.ERASER)
    drag(qtbot, view, [(10, 20), (70, 20)])
    assert not mask.any()
    assert len(doc.history) == 2


def test_depth_guide_gets_depth_level_and_edge_gets_white(qtbot, view, doc) -> None:
    depth = add_active(doc, view, LayerKind.DEPTH)
    view.brush.depth_level = 123
    drag(qtbot, view, [(40, 40), (50, 40)])
    assert doc.layer(depth).data[40, 45] == 123
    edge = add_active(doc, view, LayerKind.EDGE)
    drag(qtbot, view, [(40, 60), (50, 60)])
    assert doc.layer(edge).data[60, 45] == 255


def test_eraser_clears_alpha_on_paint_layer(qtbot, view, doc) -> None:
    layer_id = doc.layers[0].id
    doc.paint_rect(layer_id, 0, 0, 128, 128, (0, 0, 255))
    view.set_tool(ToolKind.ERASER)
    drag(qtbot, view, [(30, 30), (80, 30)])
    alpha = doc.layer(layer_id).data[..., 3]
    assert alpha[30, 55] == 0 and alpha[90, 55] == 255


def test_opacity_caps_a_stroke_without_build_up(qtbot, view, doc) -> None:
    region = add_active(doc, view, LayerKind.REGION)
    view.brush.opacity = 0.5
    drag(qtbot, view, [(20, 50), (60, 50), (20, 50), (60, 50)])  # back and forth
    assert doc.layer(region).data[50, 40] == 128


def test_locked_hidden_or_missing_layer_refuses(qtbot, view, doc) -> None:
    layer_id = doc.layers[0].id
    doc.set_layer_property(layer_id, "name", "Sky")
    doc.set_layer_property(layer_id, "locked", True)
    before, steps = doc.layers[0].data.copy(), len(doc.history)
    with qtbot.waitSignal(view.statusMessage) as blocker:
        drag(qtbot, view, [(20, 20), (60, 60)])
    assert blocker.args == ["Layer 'Sky' is locked"]
    doc.set_layer_property(layer_id, "locked", False)
    doc.set_layer_property(layer_id, "visible", False)
    with qtbot.waitSignal(view.statusMessage) as blocker:
        drag(qtbot, view, [(20, 20), (60, 60)])
    assert "hidden" in blocker.args[0]
    view.set_active_layer(None)
    with qtbot.waitSignal(view.statusMessage):
        drag(qtbot, view, [(20, 20), (60, 60)])
    assert np.array_equal(doc.layers[0].data, before)
    assert len(doc.history) == steps + 2  # only the two property changes


def test_finish_stroke_mid_drag_frees_the_document(qtbot, view, doc) -> None:
    qtbot.mousePress(view, LEFT, NOMOD, at(view, 20, 20))
    qtbot.mouseMove(view, at(view, 40, 20))
    assert view.is_stroking
    with pytest.raises(RuntimeError):
        doc.add_layer(LayerKind.PAINT)  # the open stroke blocks other edits ...
    with qtbot.waitSignal(view.strokeFinished):
        view.finish_stroke()  # ... until the window commits it
    doc.add_layer(LayerKind.PAINT, name="Result")
    qtbot.mouseRelease(view, LEFT, NOMOD, at(view, 40, 20))
    assert [c.label for c in doc.history.undo_stack] == ["Paint", "Add paint"]
    assert doc.layers[0].data[20, 30, 3] == 255


# ---- fill and shapes --------------------------------------------------------------------
def test_flood_fill_fills_enclosed_area_only(qtbot, view, doc) -> None:
    layer_id = doc.layers[0].id
    black = (0, 0, 0)
    for rect in ((30, 30, 32, 80), (78, 30, 80, 80), (30, 30, 80, 32), (30, 78, 80, 80)):
        doc.paint_rect(layer_id, *rect, black)
    doc.history.clear()
    view.set_tool(ToolKind.FILL)
    view.brush.color = (0, 200, 0, 255)
    with qtbot.waitSignal(view.strokeFinished):
        qtbot.mouseClick(view, LEFT, NOMOD, at(view, 50, 50))
    data = doc.layer(layer_id).data
    assert (data[32:78, 32:78] == (0, 200, 0, 255)).all()
    assert (data[30, 30:80, :3] == 0).all() and (data[30:80, 79, 3] == 255).all()  # walls kept
    assert data[10, 10, 3] == 0 and data[100, 50, 3] == 0  # outside untouched
    assert len(doc.history) == 1
    doc.undo()
    assert data[50, 50, 3] == 0


def test_rect_tool_fills_exactly_the_dragged_rect_on_inpaint(qtbot, view, doc) -> None:
    mask_id = add_active(doc, view, LayerKind.INPAINT)
    view.set_tool(ToolKind.RECT)
    drag(qtbot, view, [(10, 12), (25, 30), (40, 50)])
    mask = doc.layer(mask_id).data
    expected = np.zeros_like(mask)
    expected[12:51, 10:41] = 255
    assert np.array_equal(mask, expected)
    assert len(doc.history) == 1
    qtbot.mouseClick(view, LEFT, NOMOD, at(view, 90, 90))  # a click is not a drag
    assert len(doc.history) == 1


def test_alt_drag_with_rect_tool_erases(qtbot, view, doc) -> None:
    region = add_active(doc, view, LayerKind.REGION)
    doc.paint_rect(region, 0, 0, 128, 128, 255)
    view.set_tool(ToolKind.RECT)
    drag(qtbot, view, [(10, 10), (19, 29)], modifier=Qt.KeyboardModifier.AltModifier)
    mask = doc.layer(region).data
    assert (mask[10:30, 10:20] == 0).all() and (mask == 0).sum() == 200


def test_ellipse_tool_fills_inscribed_ellipse(qtbot, view, doc) -> None:
    region = add_active(doc, view, LayerKind.REGION)
    view.set_tool(ToolKind.ELLIPSE)
    drag(qtbot, view, [(20, 20), (79, 59)])
    mask = doc.layer(region).data
    assert mask[40, 50] == 255 and mask[20, 20] == 0 and mask[59, 79] == 0
    assert mask[40, 20] > 0 and mask[19, 50] == 0


# ---- navigation ---------------------------------------------------------------------------
def test_wheel_zoom_keeps_point_under_cursor(qtbot, view) -> None:
    pos = QPointF(123, 87)
    before = view.widget_to_canvas(pos)
    event = QWheelEvent(
        pos,
        view.mapToGlobal(pos),
        QPoint(),
        QPoint(0, 240),
        Qt.MouseButton.NoButton,
        NOMOD,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    with qtbot.waitSignal(view.zoomChanged) as zoomed:
        QApplication.sendEvent(view, event)
    assert view.zoom == pytest.approx(2.0 * 2**0.5)
    assert zoomed.args == [pytest.approx(view.zoom)]
    after = view.widget_to_canvas(pos)
    assert abs(after[0] - before[0]) < 1 / view.zoom and abs(after[1] - before[1]) < 1 / view.zoom


def test_widget_to_canvas_after_zoom_and_pan(qtbot, view, doc) -> None:
    assert view.widget_to_canvas(QPointF(30, 60)) == pytest.approx((10.0, 20.0))
    view.set_zoom(4.0, QPointF(10, 20))  # anchor on the canvas origin
    assert view.widget_to_canvas(QPointF(50, 60)) == pytest.approx((10.0, 10.0))
    qtbot.mousePress(view, MIDDLE, NOMOD, QPoint(100, 100))
    qtbot.mouseMove(view, QPoint(130, 90))
    qtbot.mouseRelease(view, MIDDLE, NOMOD, QPoint(130, 90))
    assert view.offset == QPointF(40, 10)
    assert view.widget_to_canvas(QPointF(80, 50)) == pytest.approx((10.0, 10.0))
    qtbot.keyPress(view, Qt.Key.Key_Space)  # space + left drag pans instead of painting
    drag(qtbot, view, [(0, 0), (5, 5)])
    qtbot.keyRelease(view, Qt.Key.Key_Space)
    assert view.offset == QPointF(60, 30)
    assert len(doc.history) == 0


def test_fit_to_window_centres_the_canvas(qtbot, view) -> None:
    view.fit_to_window()
    top_left, bottom_right = view.canvas_to_widget(0, 0), view.canvas_to_widget(128, 128)
    assert top_left.y() == pytest.approx(16) and bottom_right.y() == pytest.approx(320 - 16)
    assert top_left.x() + bottom_right.x() == pytest.approx(400)


def test_bracket_keys_change_brush_size(qtbot, view) -> None:
    with qtbot.waitSignal(view.brushChanged):
        qtbot.keyClick(view, Qt.Key.Key_BracketRight)
    assert view.brush.size == 10
    qtbot.keyClick(view, Qt.Key.Key_BracketLeft)
    qtbot.keyClick(view, Qt.Key.Key_BracketLeft)
    assert view.brush.size == 6  # 10 / 1.25 / 1.25, rounded


def test_tablet_pressure_scales_the_dab(qtbot, view, doc) -> None:
    pen = QPointingDevice(
        "pen",
        1,
        QInputDevice.DeviceType.Stylus,
        QPointingDevice.PointerType.Pen,
        QInputDevice.Capability.Position | QInputDevice.Capability.Pressure,
        1,
        2,
    )
    view.brush.size = 40
    for pressure, y in ((1.0, 30), (0.25, 90)):
        for kind in (QTabletEvent.Type.TabletPress, QTabletEvent.Type.TabletRelease):
            pos = QPointF(view.canvas_to_widget(60.5, y + 0.5))
            event = QTabletEvent(
                kind,
                pen,
                pos,
                view.mapToGlobal(pos),
                pressure,
                0,
                0,
                0,
                0,
                0,
                NOMOD,
                LEFT,
                LEFT if kind == QTabletEvent.Type.TabletPress else Qt.MouseButton.NoButton,
            )
            QApplication.sendEvent(view, event)
    alpha = doc.layers[0].data[..., 3]
    assert (alpha[30] > 0).sum() == pytest.approx(40, abs=2)
    assert (alpha[90] > 0).sum() == pytest.approx(10, abs=2)
    assert len(doc.history) == 2


# ---- drops --------------------------------------------------------------------------------
def _drop(view: CanvasView, mime: QMimeData, pos: QPointF) -> None:
    """Enter then drop, as a real drag does (Qt delivers drops only after an accepted enter)."""
    enter = QDragEnterEvent(pos, Qt.DropAction.CopyAction, mime, LEFT, NOMOD)
    QApplication.sendEvent(view, enter)
    assert enter.isAccepted()
    QApplication.sendEvent(view, QDropEvent(pos, Qt.DropAction.CopyAction, mime, LEFT, NOMOD))


def test_drag_without_files_or_image_is_refused(qtbot, view) -> None:
    mime = QMimeData()
    mime.setText("hello")
    enter = QDragEnterEvent(QPointF(50, 80), Qt.DropAction.CopyAction, mime, LEFT, NOMOD)
    QApplication.sendEvent(view, enter)
    assert not enter.isAccepted()


def test_dropping_files_emits_canvas_coordinates(qtbot, view, tmp_path) -> None:
    path = tmp_path / "photo.png"
    path.write_bytes(b"")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    with qtbot.waitSignal(view.filesDropped) as dropped:
        _drop(view, mime, QPointF(50, 80))
    assert dropped.args[0] == [str(path)]
    assert dropped.args[1:] == [pytest.approx(20.0), pytest.approx(30.0)]


def test_dropping_image_data_emits_qimage(qtbot, view) -> None:
    image = QImage(8, 6, QImage.Format.Format_RGB32)
    image.fill(Qt.GlobalColor.red)
    mime = QMimeData()
    mime.setImageData(image)
    with qtbot.waitSignal(view.imageDropped) as dropped:
        _drop(view, mime, QPointF(30, 60))
    assert isinstance(dropped.args[0], QImage) and dropped.args[0].size() == image.size()
    assert dropped.args[1:] == [pytest.approx(10.0), pytest.approx(20.0)]


# ---- render cache and drawing ---------------------------------------------------------
def test_render_cache_reconverts_only_the_changed_layer(qtbot, view, doc) -> None:
    other = doc.add_layer(LayerKind.PAINT, name="Other")
    target = add_active(doc, view, LayerKind.PAINT, "Target")
    cache = view.render_cache
    assert cache.conversions[target] == 1 and cache.conversions[doc.layers[0].id] == 1
    cache.conversions.clear()
    cache.pixels_converted.clear()
    drag(qtbot, view, [(20, 20), (40, 24)])
    assert set(cache.conversions) == {target}
    assert 0 < cache.pixels_converted[target] < 128 * 128 / 2
    doc.undo()
    doc.set_layer_property(other.id, "opacity", 0.5)  # re-composite only
    assert set(cache.conversions) == {target}
    assert np.abs(view.grab_canvas_image().astype(int) - doc.visible_canvas()).max() <= 2


def test_region_overlay_tints_inside_only_and_toggles(qtbot, view, doc) -> None:
    doc.paint_rect(doc.layers[0].id, 0, 0, 128, 128, (255, 255, 255))
    region = doc.add_layer(LayerKind.REGION)
    doc.paint_rect(region.id, 0, 0, 64, 64, 255)
    second = doc.add_layer(LayerKind.REGION)
    doc.paint_rect(second.id, 64, 64, 128, 128, 255)
    shot = grab(view)
    inside, outside = pixel(shot, view, 20, 20), pixel(shot, view, 100, 20)
    assert tuple(outside) == (255, 255, 255)
    r, g, b = REGION_COLORS[0]
    assert inside[0] > inside[2] + 60  # tinted towards the first region colour (red)
    other = pixel(shot, view, 100, 100)
    assert other[2] > other[0] + 40  # the second region is tinted blue: distinct colours
    view.set_guides_visible(False)
    assert tuple(pixel(grab(view), view, 20, 20)) == (255, 255, 255)
    view.set_guides_visible(True)
    doc.set_layer_property(region.id, "visible", False)
    assert tuple(pixel(grab(view), view, 20, 20)) == (255, 255, 255)


def test_inpaint_edge_and_depth_overlays_show(qtbot, view, doc) -> None:
    for kind, x in ((LayerKind.INPAINT, 10), (LayerKind.EDGE, 50), (LayerKind.DEPTH, 90)):
        layer = doc.add_layer(kind)
        doc.paint_rect(layer.id, 0, x, 128, x + 30, 255)
    shot = grab(view)
    assert not any(tuple(pixel(shot, view, x, 60)) == (255, 255, 255) for x in range(10, 40))
    assert tuple(pixel(shot, view, 60, 60))[0] < 100  # cyan edge line
    assert tuple(pixel(shot, view, 100, 60)) != (255, 255, 255)


def test_preview_shows_in_widget_and_clears(qtbot, view) -> None:
    preview = np.zeros((16, 16, 3), np.uint8)
    preview[...] = (0, 200, 0)
    view.set_preview(preview)
    shot = grab(view)
    corner = shot[320 - 40, 400 - 40].astype(int)
    assert tuple(corner) == (0, 200, 0)
    view.set_preview(None)
    assert tuple(grab(view)[320 - 40, 400 - 40]) != (0, 200, 0)


def test_set_document_unsubscribes_old(qtbot, view, doc) -> None:
    new = Document(64, 96)
    layer = new.add_layer(LayerKind.PAINT)
    view.set_document(new)
    assert view.render_cache.size == (64, 96)
    assert doc._listeners == []
    doc.paint_rect(doc.layers[0].id, 0, 0, 10, 10, (1, 2, 3))  # no effect on the view
    view.set_active_layer(layer.id)
    drag(qtbot, view, [(10, 10), (20, 10)])
    assert new.layers[0].data[10, 15, 3] == 255
