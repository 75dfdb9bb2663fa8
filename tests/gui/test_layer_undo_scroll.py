"""A layer brought back by Undo is selected and in view in the Layers list."""

from __future__ import annotations

import pytest

from f1studio.appsettings import AppSettings
from f1studio.document.layers import LayerKind


@pytest.mark.parametrize("where", ["bottom", "middle"])
def test_an_undone_delete_scrolls_the_restored_layer_into_view(studio, qtbot, where):
    """Under Xvfb at 1400×900 the list shrinks to a few rows while a guide is selected (its
    properties take the room), and after Delete and Ctrl+Z the restored, selected guide was
    scrolled out of sight."""
    win = studio(AppSettings(device="cpu"), size=(1400, 900))
    doc, panel = win.doc, win.layers_panel
    if where == "bottom":
        guide = doc.add_layer(LayerKind.EDGE, name="Edge guide").id
    for i in range(14):
        doc.add_layer(LayerKind.PAINT, name=f"Paint {i}")
        if where == "middle" and i == 7:
            guide = doc.add_layer(LayerKind.EDGE, name="Edge guide").id
    panel.select_layer(guide)
    qtbot.wait(50)
    panel.delete_layer()
    qtbot.wait(50)
    doc.undo()
    qtbot.wait(50)
    tree = panel.tree
    item = tree.currentItem()
    assert item is not None and panel.active_layer_id == guide
    assert tree.viewport().rect().contains(tree.visualItemRect(item))
