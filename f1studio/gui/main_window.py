"""The main window: canvas in the middle, prompt and guidance on the left, layers on the right,
results below; menus, shortcuts, status bar, and the engine worker."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFileDialog,
    QVBoxLayout,
    QWidget,
)

from f1studio.appsettings import AppSettings
from f1studio.demo.model import is_demo
from f1studio.demo.vocab import EXAMPLE_PROMPT, VOCABULARY, known_words
from f1studio.document.document import Document
from f1studio.document.layers import LayerKind
from f1studio.document.results import ResultRecord
from f1studio.engine.vocabulary import read_vocabulary
from f1studio.gui.canvas.view import CanvasView
from f1studio.gui.engine_status import EngineStatus, demo_name
from f1studio.gui.family_defaults import apply_live_defaults, useful_guidance
from f1studio.gui.file_window import FileWindow, app_qsettings
from f1studio.gui.fitting_scroll import FittingScrollArea
from f1studio.gui.i18n import translate
from f1studio.gui.importing import ImportController
from f1studio.gui.jobs import GenerateController
from f1studio.gui.live_view import install_live
from f1studio.gui.model_banner import ModelBanner
from f1studio.gui.new_project import effective_base, new_document
from f1studio.gui.panels.guidance import GuidanceSlider
from f1studio.gui.panels.layers_panel import LayersPanel
from f1studio.gui.panels.layout_controls import LayoutControls
from f1studio.gui.panels.prompt_panel import PromptPanel
from f1studio.gui.panels.results_strip import ResultsStrip
from f1studio.gui.panels.undo_history import UndoHistoryPanel
from f1studio.gui.render_controls import RenderControls, commit_typed_number
from f1studio.gui.step_names import step_text
from f1studio.gui.toolbar import ToolBar
from f1studio.gui.undo_keys import UndoKeyRouter
from f1studio.gui.worker import EngineWorker

__all__ = ["MainWindow", "app_qsettings", "effective_base", "new_document"]


class MainWindow(FileWindow):
    def __init__(
        self,
        doc: Document | None = None,
        path: Path | None = None,
        worker: EngineWorker | None = None,
    ) -> None:
        super().__init__(doc or new_document(), path)
        self.worker = worker or EngineWorker()
        self.setAcceptDrops(False)  # the canvas takes drops

        self.canvas = CanvasView(self.doc)
        self.prompt_panel = PromptPanel(self.doc)
        self.layout_controls = LayoutControls(self.doc)  # text to layout (issue 15)
        self.guidance = GuidanceSlider(self.doc)
        self.layers_panel = LayersPanel(self.doc)
        self.results = ResultsStrip(self.doc)
        self.toolbar = ToolBar(self.canvas)
        self.addToolBar(self.toolbar)
        self.addActions(self.toolbar.extra_actions)

        self.model_banner = ModelBanner()
        self.model_banner.button.clicked.connect(self.manage_models)
        centre = QWidget()
        centre_layout = QVBoxLayout(centre)
        centre_layout.setContentsMargins(0, 0, 0, 0)
        centre_layout.addWidget(self.model_banner)
        centre_layout.addWidget(self.canvas, 1)
        self.setCentralWidget(centre)

        self.render_controls = RenderControls()
        left = QWidget()
        left_layout = QVBoxLayout(left)
        # the settings scroll on a short screen; guidance and Generate stay in view under them
        left_layout.addWidget(FittingScrollArea(self.prompt_panel))
        self.prompt_panel.insert_under_prompt(self.layout_controls)
        left_layout.addWidget(self.guidance)
        left_layout.addWidget(self.render_controls)
        left_layout.addStretch(1)
        self._dock("prompt", self.tr("Prompt"), left, Qt.DockWidgetArea.LeftDockWidgetArea)
        self._dock(
            "layers", self.tr("Layers"), self.layers_panel, Qt.DockWidgetArea.RightDockWidgetArea
        )
        results_dock = self._dock(
            "results", self.tr("Results"), self.results, Qt.DockWidgetArea.BottomDockWidgetArea
        )
        results_dock.setMaximumHeight(170)
        # Undo History: a dock the View menu shows and hides (hidden at first)
        self.undo_history = UndoHistoryPanel(self.doc)
        self.undo_history_dock = self._dock(
            "undo history",
            self.tr("Undo History"),
            self.undo_history,
            Qt.DockWidgetArea.RightDockWidgetArea,
        )
        self.undo_history_dock.setFeatures(
            self.undo_history_dock.features() | QDockWidget.DockWidgetFeature.DockWidgetClosable
        )
        self.undo_history_dock.hide()
        # Ctrl+Z reaches the document unless a text field has typing to undo (undo_keys)
        self._undo_keys = UndoKeyRouter(self, lambda: self.doc.history)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self._undo_keys)

        self.engine_label = EngineStatus(self.worker)
        self.statusBar().addPermanentWidget(self.engine_label)
        self.generation = GenerateController(self.current_document, self.worker, parent=self)
        self.imports = ImportController(self.current_document, self.worker, parent=self)
        self._connect()
        self.live = install_live(  # live mode (issue 13): gui/live.py, gui/live_view.py
            self, self.canvas, self.worker, self.current_document, status=self.status,
            error=self.show_error, layer_added=self.layers_panel.select_layer,
        )  # fmt: skip
        self._build_menus()
        self._bind_document()
        self._model_kind: tuple[str | None, str | None] = (None, None)
        self.model_label: str | None = None
        self.adapt_to_model(announce=False)
        self.set_engine_status()
        self._update_model_banner()
        self.resize(1400, 900)
        self.canvas.setFocus(Qt.FocusReason.OtherFocusReason)  # not the first field of the bar

    # ---- layout helpers -------------------------------------------------------------------
    def _dock(self, name: str, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        """A dock titled ``title``; ``name`` (English, lower case) names it in the saved state."""
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock-{name}")
        dock.setWidget(widget)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
        )
        self.addDockWidget(area, dock)
        return dock

    def _connect(self) -> None:
        gen, controls = self.generation, self.render_controls
        controls.generate_button.clicked.connect(self._generate)
        controls.cancel_button.clicked.connect(gen.cancel)
        gen.renderQueued.connect(controls.job_queued)
        gen.renderLoading.connect(controls.job_loading)
        gen.renderStarted.connect(controls.job_started)
        gen.renderStarted.connect(lambda s: self.set_engine_status(s.device, s.dtype))
        gen.renderProgress.connect(controls.job_progressed)
        gen.renderEnded.connect(controls.job_ended)
        gen.renderFinished.connect(lambda r: self.set_engine_status(r.device, r.dtype, r.memory))
        gen.previewChanged.connect(self.canvas.set_preview)
        gen.resultReady.connect(lambda record: self.results.select_result(record.id))
        gen.renderFinished.connect(lambda _: self.autosave.write_now())
        gen.modelProblem.connect(lambda message: self.model_banner.show_problem(message or None))
        self.results.applyRequested.connect(self._apply_result)
        self.results.reuseSettingsRequested.connect(gen.reuse_settings)
        self.results.reuseSeedRequested.connect(gen.reuse_seed)
        self.results.previewChanged.connect(
            lambda record: self.canvas.set_result_preview(None if record is None else record.image)
        )
        self.canvas.resultPreviewDismissed.connect(lambda: self.results.select_result(None))
        self.canvas.resultApplyRequested.connect(self.results.apply_previewed)
        # an imported picture shows at once: the result preview would hide it
        self.imports.layerAdded.connect(lambda _: self.results.select_result(None))
        for controller in (gen, self.imports):
            controller.aboutToAddLayer.connect(self.canvas.finish_stroke)
            controller.layerAdded.connect(self.layers_panel.select_layer)
            controller.statusMessage.connect(self.status)
            controller.errorMessage.connect(self.show_error)
        self.layers_panel.activeLayerChanged.connect(self.canvas.set_active_layer)
        self.layers_panel.layerAdded.connect(
            lambda _: self.canvas.setFocus(Qt.FocusReason.OtherFocusReason)
        )
        self.undo_history.aboutToJump.connect(self.canvas.finish_stroke)
        self.layers_panel.extractRequested.connect(self.imports.extract)
        self.layers_panel.importRequested.connect(self.imports.choose_files)
        self.canvas.statusMessage.connect(self.status)
        self.canvas.brushChanged.connect(self.toolbar.sync_from_brush)
        panels = (self.prompt_panel, self.layout_controls, self.guidance, self.layers_panel)
        for panel in (*panels, self.undo_history):
            panel.statusMessage.connect(self.status)
        self.layout_controls.aboutToLayOut.connect(self.canvas.finish_stroke)
        # regions a Layout made or removed show at once: the result preview would hide them
        self.layout_controls.laidOut.connect(
            lambda outcome: self.results.select_result(None) if outcome.changed else None
        )
        self.canvas.filesDropped.connect(self.imports.files_dropped)
        self.canvas.imageDropped.connect(self.imports.image_dropped)

    def _action(self, menu, text: str, slot, shortcut=None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcuts(shortcut if isinstance(shortcut, list) else [shortcut])
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        f = bar.addMenu(self.tr("&File"))
        self._action(f, self.tr("&New"), self.new_project, QKeySequence.StandardKey.New)
        self._action(f, self.tr("&Open…"), self.open_dialog, QKeySequence.StandardKey.Open)
        self.recent_menu = f.addMenu(self.tr("Open &Recent"))
        self._action(f, self.tr("&Save"), self.save, QKeySequence.StandardKey.Save)
        self._action(f, self.tr("Save &As…"), self.save_as, QKeySequence("Ctrl+Shift+S"))
        self._action(f, self.tr("&Export PNG…"), self.export_png, QKeySequence("Ctrl+E"))
        f.addSeparator()  # -- importing (issue 12)
        self._action(
            f,
            self.tr("&Import image as reference…"),
            lambda: self.imports.choose_files(LayerKind.REFERENCE),
            QKeySequence("Ctrl+I"),
        )
        self._action(
            f,
            self.tr("Import image as &paint layer…"),
            lambda: self.imports.choose_files(LayerKind.PAINT),
            QKeySequence("Ctrl+Shift+I"),
        )
        f.addSeparator()
        self._action(f, self.tr("A&utosave interval…"), self.choose_autosave_interval)
        f.addSeparator()
        self._action(f, self.tr("&Quit"), self.close, QKeySequence.StandardKey.Quit)
        e = bar.addMenu(self.tr("&Edit"))
        self.undo_action = self._action(
            e, self.tr("&Undo"), self.undo, QKeySequence.StandardKey.Undo
        )
        self.redo_action = self._action(
            e, self.tr("&Redo"), self.redo, [QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")]
        )
        self._action(
            e,
            self.tr("&Paste image as reference"),
            self.imports.paste,
            QKeySequence.StandardKey.Paste,
        )
        e.addSeparator()
        preferences = self._action(
            e,
            self.tr("&Preferences…"),
            self.open_preferences,
            _preference_keys(),
        )
        preferences.setMenuRole(QAction.MenuRole.PreferencesRole)  # Settings on macOS
        v = bar.addMenu(self.tr("&View"))
        self._action(
            v, self.tr("&Fit to window"), self.canvas.fit_to_window, QKeySequence("Ctrl+0")
        )
        guides = self._action(
            v,
            self.tr("Show &guides and masks"),
            self.canvas.set_guides_visible,
            QKeySequence("Ctrl+H"),
        )
        guides.setCheckable(True)
        guides.setChecked(True)
        history = self.undo_history_dock.toggleViewAction()
        history.setText(self.tr("Undo &History"))
        v.addAction(history)
        r = bar.addMenu(self.tr("&Render"))
        self._action(
            r,
            self.tr("&Generate"),
            self._generate,
            [QKeySequence("Ctrl+Return"), QKeySequence("Ctrl+Enter")],
        )
        self._action(r, self.tr("&Cancel"), self._escape, QKeySequence(Qt.Key.Key_Escape))
        self._action(
            r, self.tr("&Layout"), self.layout_controls.lay_out, QKeySequence("Ctrl+Shift+L")
        )
        self.live.add_to_menus(v, r)
        m = bar.addMenu(self.tr("&Model"))
        self._action(m, self.tr("&Models…"), self.manage_models)
        self._action(m, self.tr("&Choose models…"), self.choose_models)
        h = bar.addMenu(self.tr("&Help"))
        self._action(h, self.tr("&Keyboard shortcuts"), self.show_shortcuts)
        about = self._action(h, self.tr("&About F1 Studio"), self.show_about)
        about.setMenuRole(QAction.MenuRole.AboutRole)
        self._refresh_recent()

    # ---- document -------------------------------------------------------------------------
    def current_document(self) -> Document:
        """The document shown now (New and Open replace it)."""
        return self.doc

    def _bind_document(self) -> None:
        self.doc.subscribe(self._doc_changed)
        self.canvas.set_active_layer(self.layers_panel.active_layer_id)
        self._update_title()

    def show_document(self) -> None:
        for widget in (
            self.canvas,
            self.prompt_panel,
            self.layout_controls,
            self.guidance,
            self.layers_panel,
            self.undo_history,
            self.results,
        ):
            widget.set_document(self.doc)
        self._bind_document()
        self.live.document_replaced(self.doc)
        self.canvas.fit_to_window()
        self.adapt_to_model(announce=False)
        self._update_model_banner()

    def _generate(self) -> None:
        commit_typed_number()  # a number typed and not yet entered counts
        if self.doc.settings.layout_auto:
            self.layout_controls.lay_out()
        self.generation.generate()

    def _escape(self) -> None:
        """Esc (Render ▸ Cancel), wherever the focus is: stop the render; with none running,
        hide the result preview (the canvas takes Esc itself while it has the focus)."""
        if self.generation.rendering:
            self.generation.cancel()
        elif self.results.selected_id is not None:
            self.results.select_result(None)

    def _apply_result(self, record: ResultRecord) -> None:
        """Apply: the result becomes a layer, and the canvas shows the layers again."""
        self.generation.apply(record)
        self.results.select_result(None)

    def _update_title(self) -> None:
        super()._update_title()
        if hasattr(self, "undo_action"):
            self._update_undo_actions()

    def _update_undo_actions(self) -> None:
        """Edit ▸ Undo and Redo say which step they undo and redo ("Undo Layout")."""
        history = self.doc.history
        for action, label, named, plain in (
            (self.undo_action, history.undo_label, self.tr("&Undo {step}"), self.tr("&Undo")),
            (self.redo_action, history.redo_label, self.tr("&Redo {step}"), self.tr("&Redo")),
        ):
            action.setEnabled(label is not None)
            shown = step_text(label).replace("&", "&&") if label else None  # no mnemonic
            action.setText(named.format(step=shown) if shown else plain)

    def undo(self) -> None:
        self.canvas.finish_stroke()
        if not self.doc.undo():
            self.status(self.tr("Nothing to undo"))

    def redo(self) -> None:
        self.canvas.finish_stroke()
        if not self.doc.redo():
            self.status(self.tr("Nothing to redo"))

    def export_png(self) -> None:
        from f1studio.project.errors import StudioFileError
        from f1studio.project.export import export_png

        previewed = self.results.previewed_record()
        record: ResultRecord | None = previewed  # the result the picture is, if it is one
        if previewed is not None:  # what the canvas shows: the result, not yet a layer
            image = previewed.image
        else:  # the canvas; a result's settings only where it shows one exactly as rendered
            image = self.doc.visible_canvas()
            record = self.doc.results.rendered(image, self.doc.layers)
        start = str((self.path.with_suffix(".png")) if self.path else Path.home() / "image.png")
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("Export PNG"), start, self.tr("PNG images") + " (*.png)"
        )
        if not path:
            return
        try:
            export_png(image, path, record.request if record is not None else None)
        except StudioFileError as e:
            self.show_error(str(e))
            return
        if previewed is not None:
            message = self.tr("Exported {name} (the previewed result)")
        elif record is None:
            message = self.tr(
                "Exported {name} without generation settings (the canvas is not a result "
                "as it was rendered)"
            )
        else:
            message = self.tr("Exported {name}")
        self.status(message.format(name=Path(path).name))

    # ---- models and status ----------------------------------------------------------------
    def _update_model_banner(self) -> None:
        """The line above the canvas: no model at all, or the demo model in use."""
        base = effective_base(self.doc)
        if base is None:
            self.model_banner.show_problem()
        elif is_demo(base):
            self.model_banner.show_demo(self.doc.width, self.doc.height)
        else:
            self.model_banner.setVisible(False)
        vocabulary = read_vocabulary(base) if base and Path(base).is_dir() else None
        if is_demo(base):
            self.prompt_panel.set_prompt_hint(EXAMPLE_PROMPT, known_words(), VOCABULARY, vocabulary)
        else:
            self.prompt_panel.set_prompt_hint(None, vocabulary=vocabulary)

    def choose_models(self) -> None:
        from f1studio.gui.choose_models_dialog import ChooseModelsDialog

        dialog = ChooseModelsDialog(AppSettings.load(), self)
        if dialog.exec():
            dialog.result_settings().save()
            self._models_changed()

    def open_preferences(self) -> None:
        """Edit ▸ Preferences: save the choices and apply what can be applied now."""
        from f1studio import engine_environment
        from f1studio.gui.preferences_dialog import PreferencesDialog

        before = AppSettings.load()
        dialog = PreferencesDialog(before, self)
        if not dialog.exec():
            return
        after = dialog.result_settings()
        try:
            after.save()
        except OSError as e:
            self.show_error(self.tr("Could not save the preferences: {error}").format(error=e))
            return
        engine_environment.apply(after)
        self.autosave.set_interval(after.autosave_interval_s)
        if after.language != before.language:
            self.status(self.tr("Preferences saved; the new language shows at the next start"))
        else:
            self.status(self.tr("Preferences saved"))
        self._models_changed()

    def show_shortcuts(self) -> None:
        from f1studio.gui.help_dialogs import ShortcutsDialog

        ShortcutsDialog(self).exec()

    def show_about(self) -> None:
        from f1studio.gui.help_dialogs import AboutDialog, model_licence

        base = effective_base(self.doc)
        models = []
        if base is not None:
            name = demo_name() if is_demo(base) else Path(base).name
            models.append((name, model_licence(base)))
        AboutDialog(models, self).exec()

    def save_window_layout(self) -> None:
        """The docks and geometry (as the file window keeps them), the tool and the brush."""
        from f1studio.gui import tool_memory

        super().save_window_layout()
        tool_memory.save(app_qsettings(), self.canvas.tool, self.canvas.brush)

    def restore_window_layout(self) -> None:
        from f1studio.gui import tool_memory

        super().restore_window_layout()
        settings = app_qsettings()
        brush = tool_memory.saved_brush(settings)
        if brush is not None:
            self.canvas.set_brush(brush)
            self.toolbar.sync_from_brush()
        tool = tool_memory.saved_tool(settings)
        if tool is not None:
            self.canvas.set_tool(tool)
            self.toolbar.tool_actions[tool].setChecked(True)

    def manage_models(self) -> None:
        """The model manager: installed models, folders to scan, recommended downloads."""
        from f1studio.gui.models_dialog import ModelsDialog

        dialog = ModelsDialog(self, worker=self.worker)
        dialog.settingsChanged.connect(lambda *_: self._models_changed())
        dialog.exec()
        self._models_changed()

    def _models_changed(self) -> None:
        self.adapt_to_model(announce=True)
        self.live.controller.settings_changed()  # live renders with the new model at once
        self.set_engine_status()
        self._update_model_banner()

    def adapt_to_model(self, announce: bool) -> None:
        """Fit the window to the chosen model's family: guidance only where it means something;
        when the family changed (``announce``), its usual steps, guidance and scheduler."""
        from f1studio.engine.request import SCHEDULER_LABELS
        from f1studio.gui.family_defaults import defaults_for, identify_model

        kind = identify_model(effective_base(self.doc))
        found = defaults_for(*kind)
        label = translate("ModelFamilies", found.label) if found is not None else None
        if announce and found is not None and kind != self._model_kind:
            for name, value in (
                ("steps", found.steps),
                ("guidance_scale", found.guidance),
                ("scheduler", found.scheduler),
            ):
                self.doc.set_setting(name, value)
            apply_live_defaults(self.doc, effective_base(self.doc))
            self.status(
                self.tr(
                    "Settings for {label}: {steps} steps, guidance {guidance}, {scheduler}"
                ).format(
                    label=label,
                    steps=found.steps,
                    guidance=format(found.guidance, "g"),
                    scheduler=translate("Schedulers", SCHEDULER_LABELS[found.scheduler]),
                )
            )
        self._model_kind = kind
        self._show_lora_context(*kind)
        if found is not None and not found.guidance_used:
            self.guidance.set_applicable(
                False, self.tr("{label} ignores guidance").format(label=label)
            )
        else:
            self.guidance.set_applicable(True)
        useful = useful_guidance(found) if found is not None else None
        self.guidance.set_useful_range(useful, label or "")
        self.model_label = label

    def _show_lora_context(self, family: str | None, variant: str | None) -> None:
        """Where the LoRA lists look for LoRAs, and the family their LoRAs must fit."""
        from f1studio.engine.family_table import ModelFamily

        model = ModelFamily(family) if family in {f.value for f in ModelFamily} else None
        folders = AppSettings.load().model_folders
        note = None
        if variant == "demo":
            note = self.tr(
                "The demo model takes no LoRAs: choose a real model under Model ▸ Models…"
            )
        self.prompt_panel.set_lora_context(folders, model, note)
        self.layers_panel.properties.set_lora_context(folders, model, note)

    def set_engine_status(
        self, device: str | None = None, dtype: str | None = None, memory: str | None = None
    ) -> None:
        """The status bar's engine line (see :mod:`f1studio.gui.engine_status`)."""
        model_label = getattr(self, "model_label", None)
        family = self._model_kind[0]
        self.engine_label.show_status(
            effective_base(self.doc), model_label, family, device, dtype, memory
        )

    def shut_down_engine(self) -> None:
        self.worker.shutdown()


def _preference_keys() -> list[QKeySequence]:
    """Ctrl+, (shown in the menu), then the platform's own Preferences keys where it has any."""
    keys = [QKeySequence("Ctrl+,")]
    for key in QKeySequence.keyBindings(QKeySequence.StandardKey.Preferences):
        if not key.isEmpty() and key not in keys:
            keys.append(key)
    return keys
