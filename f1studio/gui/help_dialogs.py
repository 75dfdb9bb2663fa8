"""Help ▸ Keyboard shortcuts and Help ▸ About: the shortcut table the README gives, and the
version with the licences of the libraries and of the models in use."""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from f1studio.gui.i18n import translate


def shortcuts() -> list[tuple[str, str]]:
    """(keys, what they do), as the README's table."""
    return [
        ("Ctrl+Enter", translate("Shortcuts", "Generate")),
        ("Esc", translate("Shortcuts", "Cancel the running job")),
        (
            "B / E / G / M / O",
            translate("Shortcuts", "Brush / eraser / fill / rectangle / ellipse"),
        ),
        ("V", translate("Shortcuts", "Move and scale the active layer")),
        ("[  ]", translate("Shortcuts", "Smaller / larger brush")),
        (
            translate("Shortcuts", "Alt (held)"),
            translate("Shortcuts", "Erase with the current tool"),
        ),
        (translate("Shortcuts", "Space+drag, middle button"), translate("Shortcuts", "Pan")),
        (translate("Shortcuts", "Mouse wheel"), translate("Shortcuts", "Zoom around the cursor")),
        ("Ctrl+0", translate("Shortcuts", "Fit the canvas to the window")),
        ("Ctrl+Z / Ctrl+Shift+Z", translate("Shortcuts", "Undo / redo")),
        ("Ctrl+S / Ctrl+Shift+S", translate("Shortcuts", "Save / save as")),
        ("Ctrl+E", translate("Shortcuts", "Export PNG")),
        ("Ctrl+I", translate("Shortcuts", "Import an image as a reference layer")),
        ("Ctrl+Shift+I", translate("Shortcuts", "Import an image as a paint layer")),
        ("Ctrl+V", translate("Shortcuts", "Paste an image as a reference layer")),
        ("Ctrl+H", translate("Shortcuts", "Show or hide guides and masks")),
        ("Ctrl+L", translate("Shortcuts", "Live mode on or off")),
        (
            "Ctrl+Shift+L",
            translate("Shortcuts", "Layout: region layers from the prompt's place words"),
        ),
        ("Ctrl+,", translate("Shortcuts", "Preferences")),
    ]


class ShortcutsDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Keyboard shortcuts"))
        rows = shortcuts()
        self.table = QTableWidget(len(rows), 2)
        self.table.setHorizontalHeaderLabels([self.tr("Keys"), self.tr("Action")])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for r, (keys, action) in enumerate(rows):
            self.table.setItem(r, 0, QTableWidgetItem(keys))
            self.table.setItem(r, 1, QTableWidgetItem(action))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(560, 520)


#: The libraries whose licences the About box lists (distribution names).
LIBRARIES = (
    "PySide6-Essentials",
    "torch",
    "diffusers",
    "transformers",
    "accelerate",
    "safetensors",
    "huggingface_hub",
    "peft",
    "numpy",
    "pillow",
    "opencv-python-headless",
    "superqt",
)


def library_licence(name: str) -> tuple[str, str] | None:
    """(version, licence) of an installed distribution; None when it is not installed."""
    try:
        meta = metadata.metadata(name)
    except metadata.PackageNotFoundError:
        return None
    licence = meta["License-Expression"] or ""
    if not licence:
        text = meta["License"] or ""
        licence = text.splitlines()[0] if text and len(text) < 80 else ""
    if not licence:
        classifiers = [c for c in meta.get_all("Classifier") or [] if c.startswith("License ::")]
        licence = classifiers[0].split("::")[-1].strip() if classifiers else "?"
    return meta["Version"] or "?", licence


def model_licence(path: str | None) -> str | None:
    """A model's licence as its model card says (``license:`` in README.md), if it says."""
    if not path:
        return None
    card = Path(path) / "README.md"
    if not card.is_file() and (Path(path).parent / "README.md").is_file():
        card = Path(path).parent / "README.md"
    try:
        text = card.read_text("utf-8", errors="replace")
    except OSError:
        return None
    for line in text.splitlines()[:40]:
        if line.strip().lower().startswith("license:"):
            return line.split(":", 1)[1].strip() or None
    return None


class AboutDialog(QDialog):
    """The version, the libraries with their licences, and the models in use."""

    def __init__(self, models: list[tuple[str, str | None]], parent: QWidget | None = None):
        super().__init__(parent)
        from f1studio import __version__

        self.setWindowTitle(self.tr("About F1 Studio"))
        title = QLabel(
            "<h2>F1 Studio {version}</h2><p>{text}</p>".format(
                version=__version__,
                text=self.tr(
                    "Paint regions, guides and masks, then render them with diffusion models on "
                    "your own computer. Licensed under the Apache License 2.0."
                ),
            )
        )
        title.setWordWrap(True)
        self.details = QTextBrowser()
        rows = []
        for name in LIBRARIES:
            found = library_licence(name)
            if found is not None:
                rows.append(f"<tr><td>{name}</td><td>{found[0]}</td><td>{found[1]}</td></tr>")
        models_rows = "".join(
            "<tr><td>{name}</td><td colspan=2>{licence}</td></tr>".format(
                name=name,
                licence=licence or self.tr("see the model's own card"),
            )
            for name, licence in models
        )
        self.details.setHtml(
            "<h3>{libs}</h3><table cellspacing=4><tr><th align=left>{lib}</th>"
            "<th align=left>{version}</th><th align=left>{licence}</th></tr>{rows}</table>"
            "<h3>{models}</h3><table cellspacing=4>{models_rows}</table>".format(
                libs=self.tr("Libraries"),
                lib=self.tr("Library"),
                version=self.tr("Version"),
                licence=self.tr("Licence"),
                rows="".join(rows),
                models=self.tr("Models in use"),
                models_rows=models_rows or "<tr><td>{none}</td></tr>".format(none=self.tr("none")),
            )
        )
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(self.details)
        layout.addWidget(buttons)
        self.resize(560, 560)
