"""The Move tool through the real canvas input path: move, scale (Shift keeps proportions),
one undo step per drag, Escape cancels, locked and empty layers refuse, the box is drawn."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt

from f1studio.document.document import Document
from f1studio.document.layers import LayerKind
from f1studio.document.transform import content_box, transformed
from f1studio.gui.canvas.move_gesture import Handle, dragged_box, handle_at
from f1studio.gui.canvas.view import CanvasView
from f1studio.gui.toolbar import ToolBar
from f1studio.gui.tools import ToolKind

LEFT = Qt.MouseButton.LeftButton
NOMOD, SHIFT = Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.ShiftModifier
RED = (255, 0, 0, 255)


@pytest.fixture
def doc() -> Document:
    return Document(128, 128)


@pytest.fixture
def view(qtbot, doc: Document) -> CanvasView:
    v = CanvasView(doc)
    qtbot.addWidget(v)
    v.resize(400, 320)
    v.show()
    qtbot.waitExposed(v)
    v.set_zoom(2.0)
    v.set_offset(QPointF(10, 20))
    v.set_tool(ToolKind.MOVE)
    return v


def at(view: CanvasView, x: float, y: float) -> QPoint:
    """Widget point over canvas point (x, y)."""
    return view.canvas_to_widget(x, y).toPoint()


def drag(qtbot, view: CanvasView, points, modifier=NOMOD, release: bool = True) -> None:
    qtbot.mousePress(view, LEFT, modifier, at(view, *points[0]))
    for x, y in points[1:]:
        qtbot.mouseMove(view, at(view, x, y))
    if release:
        qtbot.mouseRelease(view, LEFT, modifier, at(view, *points[-1]))


def square(doc: Document, view: CanvasView, kind: LayerKind, value: object, name: str = "") -> str:
    layer = doc.add_layer(kind, name=name)
    doc.paint_rect(layer.id, 20, 30, 30, 40, value)  # 10x10 at x 30..40, y 20..30
    doc.history.clear()
    view.set_active_layer(layer.id)
    return layer.id


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        (LayerKind.PAINT, RED),
        (LayerKind.REFERENCE, (10, 120, 200, 255)),
        (LayerKind.REGION, 255),
        (LayerKind.EDGE, 255),
        (LayerKind.DEPTH, 180),
        (LayerKind.INPAINT, 255),
    ],
)
def test_dragging_moves_the_layer_exactly_as_one_undo_step(
    qtbot, doc: Document, view: CanvasView, kind: LayerKind, value: object
) -> None:
    layer_id = square(doc, view, kind, value, name="Thing")
    before = doc.layer(layer_id).data.copy()
    finished: list[str] = []
    view.strokeFinished.connect(finished.append)

    drag(qtbot, view, [(35, 25), (38, 24), (42, 22)])  # by (+7, -3) in canvas pixels

    data = doc.layer(layer_id).data
    expected = np.zeros_like(before)
    expected[17:27, 37:47] = before[20:30, 30:40]
    np.testing.assert_array_equal(data, expected)
    assert doc.history.labels == ["Move Thing"]
    assert finished == [layer_id]
    # what is on screen follows: the cache shows the layer where it now is
    view.set_tool(ToolKind.BRUSH)
    np.testing.assert_array_equal(view.grab_canvas_image(), CanvasView(doc).grab_canvas_image())
    assert doc.undo()
    np.testing.assert_array_equal(doc.layer(layer_id).data, before)


def test_the_document_hears_the_drag_once_at_release(qtbot, doc, view) -> None:
    layer_id = square(doc, view, LayerKind.PAINT, RED)
    heard = []
    doc.subscribe(lambda d, change: heard.append(change))
    drag(qtbot, view, [(35, 25), (40, 25), (45, 30)], release=False)
    assert heard == [] and view.is_stroking
    # the canvas already shows the content where the pointer took it
    assert tuple(view.grab_canvas_image()[32, 47]) == (255, 0, 0)  # rows 25..35, x 40..50
    assert tuple(view.grab_canvas_image()[22, 32]) == (255, 255, 255)
    qtbot.mouseRelease(view, LEFT, NOMOD, at(view, 45, 30))
    assert len(heard) == 1 and heard[0].layer_id == layer_id


def test_a_corner_handle_scales_and_shift_keeps_proportions(qtbot, doc, view) -> None:
    layer_id = square(doc, view, LayerKind.REGION, 255, name="Sky")
    original = doc.layer(layer_id).data.copy()

    drag(qtbot, view, [(40, 30), (50, 35), (60, 35)])  # bottom-right corner: +20 x, +5 y
    assert content_box(doc.layer(layer_id)) == (20, 30, 35, 60)
    assert doc.history.labels == ["Scale Sky"]
    doc.undo()
    np.testing.assert_array_equal(doc.layer(layer_id).data, original)

    drag(qtbot, view, [(40, 30), (50, 35), (60, 35)], modifier=SHIFT)  # the larger change wins
    layer = doc.layer(layer_id)
    assert content_box(layer) == (20, 30, 50, 60)
    assert set(np.unique(layer.data)) == {0, 255}  # still a crisp mask
    np.testing.assert_array_equal(
        layer.data, transformed(original, LayerKind.REGION, (20, 30, 30, 40), (20, 30, 50, 60))
    )


def test_shift_pressed_mid_drag_takes_effect_at_once(qtbot, doc, view) -> None:
    layer_id = square(doc, view, LayerKind.PAINT, RED)
    drag(qtbot, view, [(40, 30), (60, 35)], release=False)  # SE handle
    assert view.move_box == (20, 30, 35, 60)
    qtbot.keyPress(view, Qt.Key.Key_Shift)
    assert view.move_box == (20, 30, 50, 60)
    qtbot.keyRelease(view, Qt.Key.Key_Shift)
    assert view.move_box == (20, 30, 35, 60)
    qtbot.mouseRelease(view, LEFT, NOMOD, at(view, 60, 35))
    assert content_box(doc.layer(layer_id)) == (20, 30, 35, 60)


def test_escape_cancels_a_drag(qtbot, doc, view) -> None:
    layer_id = square(doc, view, LayerKind.DEPTH, 150)
    before = doc.layer(layer_id).data.copy()
    shown = view.grab_canvas_image().copy()
    drag(qtbot, view, [(35, 25), (80, 90)], release=False)
    assert not np.array_equal(doc.layer(layer_id).data, before)
    qtbot.keyClick(view, Qt.Key.Key_Escape)
    assert not view.is_stroking
    np.testing.assert_array_equal(doc.layer(layer_id).data, before)
    np.testing.assert_array_equal(view.grab_canvas_image(), shown)
    qtbot.mouseRelease(view, LEFT, NOMOD, at(view, 80, 90))
    assert doc.history.labels == []


@pytest.mark.parametrize(
    ("setup", "message"),
    [("locked", "locked: unlock it to move it"), ("empty", "empty: there is nothing to move")],
)
def test_locked_and_empty_layers_refuse_with_a_status_message(
    qtbot, doc, view, setup: str, message: str
) -> None:
    if setup == "locked":
        layer_id = square(doc, view, LayerKind.PAINT, RED, name="Ink")
        doc.set_layer_property(layer_id, "locked", True)
        doc.history.clear()
    else:
        layer_id = doc.add_layer(LayerKind.PAINT, name="Ink").id
        view.set_active_layer(layer_id)
    before = doc.layer(layer_id).data.copy()
    messages: list[str] = []
    view.statusMessage.connect(messages.append)
    drag(qtbot, view, [(35, 25), (60, 60)])
    assert messages and f"'Ink' is {message}" in messages[0]
    np.testing.assert_array_equal(doc.layer(layer_id).data, before)
    assert doc.history.labels[-1:] != ["Move Ink"]


def test_a_click_without_moving_records_nothing(qtbot, doc, view) -> None:
    square(doc, view, LayerKind.PAINT, RED)
    drag(qtbot, view, [(35, 25)])
    assert doc.history.labels == []


def test_the_box_and_handles_are_drawn_and_the_cursor_tells_the_handle(qtbot, doc, view) -> None:
    square(doc, view, LayerKind.PAINT, RED)
    shot = view.grab().toImage()
    corner = at(view, 40, 30)  # the SE handle: white square with a black rim
    assert shot.pixelColor(corner).lightness() > 200
    assert shot.pixelColor(corner + QPoint(4, 0)).lightness() < 60
    qtbot.mouseMove(view, corner)
    assert view.cursor().shape() == Qt.CursorShape.SizeFDiagCursor
    qtbot.mouseMove(view, at(view, 35, 25))
    assert view.cursor().shape() == Qt.CursorShape.SizeAllCursor
    view.set_tool(ToolKind.BRUSH)
    assert view.cursor().shape() == Qt.CursorShape.CrossCursor
    rim = view.grab().toImage().pixelColor(corner + QPoint(4, 0))
    assert rim.lightness() > 200  # no box for the brush: the white canvas shows


def test_the_tool_bar_has_the_move_tool_on_v(qtbot, view) -> None:
    bar = ToolBar(view)
    qtbot.addWidget(bar)
    action = bar.tool_actions[ToolKind.MOVE]
    assert action.shortcut().toString() == "V"
    view.set_tool(ToolKind.BRUSH)
    action.trigger()
    assert view.tool is ToolKind.MOVE


def test_handles_and_dragged_boxes() -> None:
    box = (20, 30, 30, 40)
    assert handle_at(box, 30, 20, 2) is Handle.NW
    assert handle_at(box, 35, 30.5, 2) is Handle.S
    assert handle_at(box, 35, 25, 2) is Handle.MOVE
    assert handle_at((0, 0, 3, 3), 1.5, 1.5, 5) is Handle.MOVE  # a tiny box still moves
    assert dragged_box(box, Handle.MOVE, 2.4, -2.6, False) == (17, 32, 27, 42)
    assert dragged_box(box, Handle.W, 5, 0, False) == (20, 35, 30, 40)
    assert dragged_box(box, Handle.W, 50, 0, False) == (20, 39, 30, 40)  # never flips or empties
    assert dragged_box(box, Handle.E, 10, 0, True) == (15, 30, 35, 50)  # height about the centre
    assert dragged_box(box, Handle.NW, -10, -2, True) == (10, 20, 30, 40)


@pytest.fixture()
def window(studio, tiny_settings):
    win = studio(tiny_settings, active=True)
    win.doc.resize_canvas(128, 128)
    win.doc.history.clear()
    win.set_document(win.doc, None)
    return win


def test_in_the_window_v_picks_the_tool_esc_cancels_the_drag_and_ctrl_z_undoes_it(
    qtbot, window
) -> None:
    canvas, doc = window.canvas, window.doc
    layer = doc.add_layer(LayerKind.PAINT, name="Car")
    doc.paint_rect(layer.id, 20, 30, 30, 40, RED)
    canvas.set_active_layer(layer.id)
    canvas.setFocus()
    before = layer.data.copy()
    steps = list(doc.history.labels)

    qtbot.keyClick(canvas, Qt.Key.Key_V)
    assert canvas.tool is ToolKind.MOVE and window.toolbar.tool_actions[ToolKind.MOVE].isChecked()

    drag(qtbot, canvas, [(35, 25), (60, 50)], release=False)
    qtbot.keyClick(canvas, Qt.Key.Key_Escape)  # the drag's, not the window's Cancel
    qtbot.mouseRelease(canvas, LEFT, NOMOD, at(canvas, 60, 50))
    np.testing.assert_array_equal(layer.data, before)
    assert doc.history.labels == steps

    drag(qtbot, canvas, [(35, 25), (45, 30), (60, 50)])
    assert content_box(layer) == (45, 55, 55, 65)
    assert doc.history.labels == [*steps, "Move Car"]
    qtbot.keyClick(canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    np.testing.assert_array_equal(layer.data, before)
