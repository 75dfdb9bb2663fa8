"""The live view: the newest live picture beside the canvas, Apply, New seed and the live
settings; shown as a dock or in a split with the canvas (View menu). :func:`install_live`
wires live mode into a main window without the window knowing its parts."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QEvent, QObject, QRectF, Qt, Signal
from PySide6.QtGui import QAction, QImage, QKeySequence, QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QDockWidget,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from f1studio.document.changes import Change, ChangeKind
from f1studio.document.document import Document
from f1studio.engine.request import MAX_STEPS
from f1studio.gui.live import LiveController
from f1studio.gui.panels.binding import DocumentView, ValueSlider, signals_blocked
from f1studio.gui.worker import EngineWorker

LIVE_SHORTCUT = "Ctrl+L"
SEED_MAX = 2**31 - 1  # QSpinBox is 32-bit
VIEW_MODE_KEY = "live/view_mode"  # "dock" or "split", remembered per user


class LivePicture(QWidget):
    """Draws the newest live picture scaled to fit; ``painted`` after a new one is on screen."""

    painted = Signal(float)  # perf_counter() when a new picture was first drawn

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._image: QImage | None = None
        self._new = False
        self.serial = 0  # pictures drawn so far
        self.setMinimumSize(128, 128)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    @property
    def has_picture(self) -> bool:
        return self._image is not None

    def set_picture(self, rgb: np.ndarray | None) -> None:
        if rgb is None:
            self._image = None
        else:
            arr = np.ascontiguousarray(rgb, dtype=np.uint8)
            h, w = arr.shape[:2]
            self._image = QImage(arr.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()
        self._new = True
        self.update()

    def image(self) -> QImage | None:
        return self._image

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        p = QPainter(self)
        p.fillRect(self.rect(), self.palette().window())
        if self._image is None:
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.tr("Live is off"))
        else:
            w, h = self._image.width(), self._image.height()
            scale = min(self.width() / w, self.height() / h)
            target = QRectF((self.width() - w * scale) / 2, (self.height() - h * scale) / 2,
                            w * scale, h * scale)  # fmt: skip
            p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, scale < 1)
            p.drawImage(target, self._image)
        p.end()
        if self._new:
            self._new = False
            if self._image is not None:
                self.serial += 1
                self.painted.emit(time.perf_counter())


class LiveGuidanceSpin(QDoubleSpinBox):
    """Live mode's guidance: 0 shows as "As the prompt" (the prompt panel's guidance is used),
    otherwise 1..30; a step up from 0 goes to 1 and a step down from 1 back to 0, and a typed
    value between them becomes 1."""

    def __init__(self) -> None:
        super().__init__()
        self.setRange(0.0, 30.0)
        self.setDecimals(1)
        self.setSingleStep(0.5)
        self.setKeyboardTracking(False)
        self.setSpecialValueText(self.tr("As the prompt"))
        self.valueChanged.connect(self._snap)

    def stepBy(self, steps: int) -> None:  # noqa: N802 - Qt name
        if self.value() == 0.0 and steps > 0:
            self.setValue(1.0 + (steps - 1) * self.singleStep())
        elif 0.0 < self.value() <= 1.0 and steps < 0:
            self.setValue(0.0)
        else:
            super().stepBy(steps)

    def _snap(self, value: float) -> None:
        if 0.0 < value < 1.0:
            self.setValue(1.0)


class LiveView(DocumentView):
    """The live picture with Apply and New seed, and the project's live settings."""

    def __init__(self, live: LiveController, doc: Document | None = None) -> None:
        super().__init__(doc)
        self.live = live
        self.picture = LivePicture()
        self.status_label = QLabel()
        self.status_label.setStyleSheet("color: palette(placeholder-text);")
        self.status_label.setWordWrap(True)  # a long line wraps rather than widen the panel
        self.apply_button = QPushButton(self.tr("Apply"))
        self.apply_button.setToolTip(
            self.tr("Copy the live picture into the document as a paint layer")
        )
        self.new_seed_button = QPushButton(self.tr("New seed"))
        self.new_seed_button.setToolTip(self.tr("Try another live seed"))
        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(0, SEED_MAX)
        self.seed_spin.setKeyboardTracking(False)
        self.steps_spin = QSpinBox()
        self.steps_spin.setRange(1, min(MAX_STEPS, 150))
        self.steps_spin.setKeyboardTracking(False)
        self.steps_spin.setToolTip(self.tr("Steps of a live render: few follow the hand faster"))
        self.guidance_spin = LiveGuidanceSpin()
        self._guidance_tip = self.tr(
            "Guidance of a live render: few steps often need less than a full render; "
            "'As the prompt' uses the prompt panel's"
        )
        self.guidance_spin.setToolTip(self._guidance_tip)
        self.few_step_check = QCheckBox(self.tr("Few-step LoRA"))
        self.few_step_check.setToolTip(
            self.tr(
                "Render live pictures with the model's own few-step LoRA: its few steps "
                "keep what a full render gets right, at its own guidance"
            )
        )
        self.strength_slider = ValueSlider(0.0, 1.0, 0.01)
        self.strength_slider.setToolTip(
            self.tr(
                "How much of the sketch is re-made: 1 = from scratch, lower keeps more of it. "
                "The bare canvas around it is drawn from the prompt anew."
            )
        )
        buttons = QHBoxLayout()
        buttons.addWidget(self.apply_button)
        buttons.addWidget(self.new_seed_button)
        form = QFormLayout()
        form.addRow(self.tr("Seed"), self.seed_spin)
        form.addRow(self.tr("Strength"), self.strength_slider)
        form.addRow(self.tr("Steps"), self.steps_spin)
        form.addRow(self.tr("Guidance"), self.guidance_spin)
        form.addRow("", self.few_step_check)
        self._form = form
        layout = QVBoxLayout(self)
        layout.addWidget(self.picture, 1)
        layout.addWidget(self.status_label)
        layout.addLayout(buttons)
        layout.addLayout(form)

        self.apply_button.clicked.connect(live.apply)
        self.new_seed_button.clicked.connect(live.new_seed)
        self.seed_spin.valueChanged.connect(lambda v: self._set("live_seed", v))
        self.steps_spin.valueChanged.connect(lambda v: self._set("live_steps", v))
        self.strength_slider.valueChanged.connect(lambda v: self._set("live_strength", v))
        self.guidance_spin.valueChanged.connect(self._set_guidance)
        self.few_step_check.toggled.connect(lambda on: self._set("live_few_step", bool(on)))
        live.appSettingsChanged.connect(self.refresh)
        live.pictureChanged.connect(self._picture_changed)
        live.activeChanged.connect(lambda _: self._update_state())
        live.renderingChanged.connect(lambda _: self._update_state())
        live.errorChanged.connect(lambda _: self._update_state())
        self._bind_initial_document()

    def _set(self, name: str, value: object) -> None:
        doc = self.document
        if doc is not None:
            if doc.stroke_open:
                self.live.aboutToAddLayer.emit()  # close the stroke before a setting changes
            self.edit(doc.set_setting, name, value)

    def _set_guidance(self, value: float) -> None:
        if value == 0.0 or value >= 1.0:  # between them the spin box snaps to 1 first
            self._set("live_guidance", round(value, 1))

    def _picture_changed(self, rgb: np.ndarray | None) -> None:
        self.picture.set_picture(rgb)
        self._update_state()

    def _update_state(self) -> None:
        self.apply_button.setEnabled(self.picture.has_picture)
        if not self.live.active:
            text = self.tr("Live is off ({shortcut} or the Live button turns it on)").format(
                shortcut=LIVE_SHORTCUT
            )
        elif self.live.paused:
            text = self.tr("Waiting for the full render…")
        elif self.live.running_job is not None:
            text = self.tr("Rendering…")
        elif self.live.error is not None:
            text = self.tr("Not up to date: {message}").format(message=self.live.error)
            if self.picture.has_picture:
                text += "\n" + self.tr("The picture shows an earlier state")
        elif self.picture.has_picture:
            text = self.tr("Up to date")
        else:
            text = self.tr("Waiting for a change…")
        if self.live.active and self._blank_below_full_strength():
            text += "\n" + self.tr("Nothing painted yet: drawn from the prompt alone")
        self.status_label.setText(text)

    def _blank_below_full_strength(self) -> bool:
        """Live renders from scratch although its strength is below 1: nothing is painted."""
        doc = self.document
        return doc is not None and doc.settings.live_strength < 1.0 and not doc.has_visible_paint()

    def document_changed(self, change: Change) -> None:
        if change.kind is ChangeKind.SETTINGS:
            self.refresh()
        elif change.kind in (ChangeKind.LAYERS, ChangeKind.LAYER, ChangeKind.PIXELS):
            self._update_state()  # the first paint on a blank canvas ends "from the prompt alone"

    def refresh(self) -> None:
        doc = self.document
        if doc is None:
            return
        s = doc.settings
        widgets = (
            self.seed_spin, self.steps_spin, self.strength_slider, self.guidance_spin,
            self.few_step_check,
        )  # fmt: skip
        with signals_blocked(*widgets):
            self.seed_spin.setValue(min(int(s.live_seed), SEED_MAX))
            self.steps_spin.setValue(int(s.live_steps))
            self.strength_slider.setValue(float(s.live_strength))
            self.guidance_spin.setValue(float(s.live_guidance))
            self.few_step_check.setChecked(bool(s.live_few_step))
        self._show_few_step()
        self._update_state()

    def _show_few_step(self) -> None:
        """The few-step LoRA's box only for a model that has one; while it is used, the
        guidance box is the LoRA's (greyed, saying so)."""
        fast = self.live.few_step_lora()
        self._form.setRowVisible(self.few_step_check, fast is not None)
        used = fast is not None and self.few_step_check.isChecked()
        self.guidance_spin.setEnabled(not used)
        if fast is not None and used:
            with signals_blocked(self.guidance_spin):  # shows the LoRA's, keeps the project's
                self.guidance_spin.setValue(fast.guidance)
            self.guidance_spin.setToolTip(
                self.tr("The few-step LoRA renders at its own guidance ({guidance:g})").format(
                    guidance=fast.guidance
                )
            )
        else:
            self.guidance_spin.setToolTip(self._guidance_tip)


class _StrokeWatcher(QObject):
    """Tells live mode the canvas changed mid-stroke (the document notifies only at its end)."""

    _MOVES = (QEvent.Type.MouseMove, QEvent.Type.TabletMove, QEvent.Type.MouseButtonPress)

    def __init__(self, canvas: QWidget, live: LiveController) -> None:
        super().__init__(canvas)
        self._canvas, self._live = canvas, live

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt name
        if event.type() in self._MOVES and getattr(self._canvas, "is_stroking", False):
            self._live.poke()  # coalesced: the request is built once the event is handled
        return False


class LiveMode(QObject):
    """Live mode in a window: the controller, the view (dock or split) and the actions."""

    def __init__(
        self, window: QMainWindow, canvas: QWidget, live: LiveController, doc: Document
    ) -> None:
        super().__init__(window)
        self.window, self.canvas, self.controller = window, canvas, live
        self.view = LiveView(live, doc)
        self.dock = QDockWidget(self.tr("Live"), window)
        self.dock.setObjectName("dock-live")
        self.dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
        )
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
        # the split: the canvas and the live view side by side in the canvas's place
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        holder = canvas.parentWidget()
        parent_layout = holder.layout() if holder is not None else None
        if parent_layout is not None:
            parent_layout.replaceWidget(canvas, self.splitter)
        self.splitter.addWidget(canvas)
        self._watcher = _StrokeWatcher(canvas, live)
        canvas.installEventFilter(self._watcher)
        self.toggle_action = QAction(self.tr("&Live"), window)
        self.toggle_action.setCheckable(True)
        self.toggle_action.setShortcut(QKeySequence(LIVE_SHORTCUT))
        self.toggle_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.toggle_action.setToolTip(self.tr("Re-render on every change (latest wins)"))
        self.toggle_action.triggered.connect(lambda on: live.set_live(bool(on)))
        self.split_action = QAction(self.tr("Live view beside the canvas (&split)"), window)
        self.split_action.setCheckable(True)
        self.split_action.toggled.connect(lambda on: self.set_view_mode("split" if on else "dock"))
        self.apply_action = QAction(self.tr("&Apply live picture"), window)
        self.apply_action.triggered.connect(live.apply)
        live.activeChanged.connect(self._active_changed)
        self._active_changed(live.active)
        settings = getattr(window, "window_state", None)
        # beside the canvas by default: the side panels keep their size when live comes and goes
        mode = settings.value(VIEW_MODE_KEY, "split") if settings is not None else "split"
        self.set_view_mode("dock" if mode == "dock" else "split", remember=False)

    def add_to_menus(self, view_menu: QMenu, render_menu: QMenu) -> None:
        view_menu.addSeparator()
        view_menu.addAction(self.split_action)
        render_menu.addSeparator()
        render_menu.addAction(self.toggle_action)
        render_menu.addAction(self.apply_action)

    @property
    def view_mode(self) -> str:
        return "split" if self.view.parent() is self.splitter else "dock"

    def set_view_mode(self, mode: str, remember: bool = True) -> None:
        """Show the live view in a dock ("dock") or beside the canvas in a split ("split")."""
        if mode == "split":
            self.dock.setWidget(None)  # type: ignore[arg-type]
            self.dock.hide()
            self.splitter.addWidget(self.view)
            self.view.show()
            self._halve()
        else:
            self.view.setParent(None)
            self.dock.setWidget(self.view)
            self.dock.setVisible(self.controller.active)
        with signals_blocked(self.split_action):
            self.split_action.setChecked(mode == "split")
        self.view.setVisible(mode == "dock" or self.controller.active)
        settings = getattr(self.window, "window_state", None)
        if remember and settings is not None:
            settings.setValue(VIEW_MODE_KEY, mode)

    def _active_changed(self, on: bool) -> None:
        with signals_blocked(self.toggle_action):
            self.toggle_action.setChecked(on)
        if self.view_mode == "dock":
            self.dock.setVisible(on)
        else:
            self.view.setVisible(on)
            if on:
                self._halve()

    def _halve(self) -> None:
        """Canvas and live picture share the space evenly (the user may drag the divider)."""
        width = self.splitter.width()
        if width > 0:
            self.splitter.setSizes([width // 2, width - width // 2])

    def document_replaced(self, doc: Document) -> None:
        self.view.set_document(doc)
        self.controller.document_replaced()


def install_live(
    window: QMainWindow,
    canvas: QWidget,
    worker: EngineWorker,
    document: Callable[[], Document],
    *,
    status: Callable[[str], None],
    error: Callable[[str], None],
    layer_added: Callable[[str], None],
) -> LiveMode:
    """Live mode for ``window``: its controller on ``worker`` for the ``document()`` shown,
    wired to ``canvas`` (live follows strokes as they go; strokes close before Apply) and to
    the window's status bar (``status``, ``error``) and layer selection (``layer_added``)."""
    live = LiveController(document, worker, parent=window)
    mode = LiveMode(window, canvas, live, document())
    finish = getattr(canvas, "finish_stroke", None)
    if finish is not None:
        live.aboutToAddLayer.connect(finish)
    live.statusMessage.connect(status)
    live.errorMessage.connect(error)
    live.layerAdded.connect(layer_added)
    mode.view.statusMessage.connect(status)
    return mode
