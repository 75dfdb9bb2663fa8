"""Start the window: the QApplication, the main window, the last project; run until it closes."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from f1studio.paths import resources_root

if TYPE_CHECKING:
    from f1studio.gui.main_window import MainWindow

log = logging.getLogger(__name__)

RESOURCES = resources_root()


def app_icon_path() -> Path | None:
    path = RESOURCES / "icons" / "f1studio.png"
    return path if path.exists() else None


def _open_at_start(window: MainWindow, path: Path) -> None:
    """Open the project asked for, or the last one; whatever goes wrong, the app starts."""
    from f1studio.gui.i18n import translate

    try:
        window.open_path(path)  # a damaged file: a message in the status bar, a new project
    except Exception as e:  # noqa: BLE001 - a bug must not stop the app from starting
        log.exception("opening %s at start failed", path)
        window.show_error(
            translate("App", "Could not open {name}: {error}").format(name=path.name, error=e)
        )


def main(project: str | None = None) -> int:
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    from f1studio import engine_environment
    from f1studio.appsettings import AppSettings
    from f1studio.gui import i18n
    from f1studio.gui.exit_signals import ExitSignals
    from f1studio.gui.i18n import translate
    from f1studio.gui.main_window import MainWindow, app_qsettings

    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setApplicationName("F1 Studio")
    app.setOrganizationName("F1Studio")
    app.setDesktopFileName("f1studio")
    settings = AppSettings.load()
    engine_environment.apply(settings)  # threads and GPU memory mode, for the engine
    i18n.install(i18n.resolve_language(settings.language))
    icon = app_icon_path()
    if icon is not None:
        app.setWindowIcon(QIcon(str(icon)))
    window = MainWindow()
    signals = ExitSignals(window.exit_on_signal, window)
    # import the engine and freeze the startup heap now, so the first render has no long
    # garbage-collection pauses on the UI thread
    window.worker.warm_up()
    window.restore_window_layout()
    window.show()
    window.offer_recovery()
    if not window.is_modified:  # nothing restored: the project asked for, or the last one
        target = project or app_qsettings().value("last_project", "")
        if target and Path(str(target)).exists():
            _open_at_start(window, Path(str(target)))
        elif project:
            window.show_error(
                translate("App", "{project} does not exist; started a new project").format(
                    project=project
                )
            )
    window.canvas.fit_to_window()
    app.exec()
    signals.uninstall()
    return window.exit_code
