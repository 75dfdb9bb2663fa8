"""With no model chosen, the window runs the shipped demo model and says so."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QMessageBox

from f1studio.demo import model as demo


@pytest.fixture()
def fresh_user(tmp_path, monkeypatch):
    """A user who has never chosen a model."""
    monkeypatch.setenv("F1STUDIO_CONFIG_DIR", str(tmp_path / "config"))
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "qs"))
    # closing a window with a new result asks about unsaved changes: answer for the user
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)


def _window(qtbot):
    from f1studio.gui.main_window import MainWindow

    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    return win


def test_the_demo_model_is_the_default_and_the_window_says_so(fresh_user, qtbot):
    assert demo.demo_model() is not None, "the shipped demo model is missing"
    win = _window(qtbot)
    try:
        assert win.model_banner.isVisible()
        assert "demo model" in win.model_banner.label.text()
        assert "Models" in win.model_banner.button.text()
        assert (win.doc.width, win.doc.height) == (demo.DEMO_SIZE, demo.DEMO_SIZE)
        panel = win.prompt_panel  # an example prompt in the field, the words listed under it
        hint = panel.prompt_edit.placeholderText() + " " + panel.words_label.text()
        assert all(word in hint for word in ("circle", "square", "triangle", "red"))
        assert demo.DEMO_NAME in win.engine_label.text()
        request = win.generation.build()
        assert demo.is_demo(request.model)
        assert request.steps == 20  # the demo's own defaults, not SD1.5's 25
    finally:
        win.worker.shutdown()


@pytest.mark.slow
def test_generate_makes_a_picture_with_no_download(fresh_user, qtbot):
    win = _window(qtbot)
    try:
        win.doc.set_prompt("a large red circle in the centre, on a blue background")
        win.doc.set_setting("steps", 8)
        layers = len(win.doc.layers)
        with qtbot.waitSignal(win.worker.jobFinished, timeout=120000):
            win.generation.generate()
        qtbot.waitUntil(lambda: len(win.doc.results) == 1, timeout=5000)
        assert len(win.doc.layers) == layers  # previewed, not applied
        picture = win.doc.results.newest().image.astype(int)
        r, g, b = picture[:, :, 0], picture[:, :, 1], picture[:, :, 2]
        red = (r > 150) & (g < 110) & (b < 110)
        blue = (b > 150) & (r < 110) & (g < 110)
        # a red shape on a blue background (the demo model often misplaces shapes: it is
        # the colours that follow the prompt, see docs/eval); "large" is up to 92% of the
        # canvas across (measured: 53% red, 45% blue)
        assert red.mean() > 0.03 and blue.mean() > 0.25 and red.mean() + blue.mean() > 0.8
    finally:
        win.worker.shutdown()


def test_without_the_demo_model_the_window_asks_for_one(fresh_user, qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr(demo, "DEMO_ROOT", tmp_path / "nowhere")
    win = _window(qtbot)
    try:
        assert win.model_banner.isVisible()
        assert "No model chosen" in win.model_banner.label.text()
        assert (win.doc.width, win.doc.height) == (512, 512)
        assert win.generation.generate() is None
    finally:
        win.worker.shutdown()


def test_the_prompt_field_says_which_words_the_demo_model_leaves_out(fresh_user, qtbot):
    win = _window(qtbot)
    try:
        panel = win.prompt_panel
        panel.prompt_edit.setPlainText("a big pink circle in the middle, on a white background")
        shown = panel.words_label.text()
        assert "Left out (the model does not know them): pink" in shown
        assert "Read as: big → large, middle → centre" in shown
        panel.prompt_edit.setPlainText("a large red circle in the centre, on a white background")
        assert "Left out" not in panel.words_label.text()
        assert "Read as" not in panel.words_label.text()
        assert "Words it knows" in panel.words_label.text()
        win.doc.set_prompt("a big red circle in the middle")  # as Reuse settings sets it
        assert "Read as: big → large, middle → centre" in panel.words_label.text()
    finally:
        win.worker.shutdown()


@pytest.mark.parametrize("size", [(1400, 900), (1600, 1000), (1024, 768), (1024, 660)])
def test_the_words_under_the_prompt_are_whole_and_keep_the_panel_still(fresh_user, qtbot, size):
    """The list of the model's words and what it makes of the prompt's show in full under the
    prompt box (not under it, not cut off), and a new line of them does not widen the panel
    and shift the canvas while one types (seen under Xvfb at 1400×900 and 1600×1000)."""
    win = _window(qtbot)
    try:
        win.resize(*size)
        panel, label = win.prompt_panel, win.prompt_panel.words_label
        panel.prompt_edit.setPlainText("a large red circle in the centre, on a white background")
        qtbot.wait(50)
        width, canvas = panel.width(), win.canvas.geometry()
        for text in (
            "a large green triangle in the middle on a white background",
            "a big pink circle in the middle and sparkly shiny stars, on a white background",
            "a large red circle in the centre, on a white background",  # the lines go again
        ):
            panel.prompt_edit.setPlainText(text)
            qtbot.wait(50)
            assert panel.width() == width and win.canvas.geometry() == canvas
            top = label.mapTo(panel, label.rect().topLeft()).y()
            assert top >= panel.prompt_edit.geometry().bottom()  # not under the prompt box
            wrap = Qt.TextFlag.TextWordWrap
            lines = (
                label.fontMetrics()
                .boundingRect(0, 0, label.width(), 10_000, wrap, label.text())
                .height()
            )
            assert lines <= label.height() <= lines + 4  # every line shown, no gap under them
            assert ("Read as" in label.text()) == ("middle" in text)
            # on a short screen the settings scroll: the window keeps its height and Generate
            # stays in view
            assert win.height() == size[1]
            button = win.render_controls.generate_button
            assert not button.visibleRegion().isEmpty()
            assert win.rect().contains(button.mapTo(win, button.rect().bottomRight()))
    finally:
        win.worker.shutdown()


def test_typing_a_prompt_is_one_undo_step(fresh_user, qtbot):
    """The word list that pops up while typing does not cut the prompt into many undo steps
    (under Xvfb one typed prompt made about ten "Edit prompt" steps)."""
    win = _window(qtbot)
    try:
        edit = win.prompt_panel.prompt_edit
        edit.setFocus()
        qtbot.waitUntil(edit.hasFocus)
        qtbot.keyClicks(edit, "a large red circle on the left, on a white background")
        assert win.doc.prompt == "a large red circle on the left, on a white background"
        assert win.doc.history.labels.count("Edit prompt") == 1
    finally:
        win.worker.shutdown()
