"""The window's languages: Qt translations compiled from ``f1studio/resources/i18n/*.ts``.

Strings in a QObject subclass go through ``self.tr("...")``; everywhere else through
:func:`translate` with an explicit context (``translate("Errors", "...")``). Both forms are
what PySide6's ``lupdate`` extracts (``scripts/translations.sh`` updates the ``.ts`` files and
compiles them to ``.qm`` with ``lrelease``). Formatted text is translated first and filled in
after (``self.tr("Saved {name}").format(name=...)``), so the catalogue holds the pattern.

The language follows the system locale unless the user picked one in Preferences.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from f1studio.paths import resource_path

log = logging.getLogger(__name__)

#: Languages the window ships in: code -> name in that language (as the Preferences list shows).
LANGUAGES: dict[str, str] = {"en": "English", "zh_CN": "简体中文"}
#: The setting value that means "follow the system locale".
SYSTEM = "system"

_installed: list[QTranslator] = []


def translate(context: str, text: str, disambiguation: str | None = None, n: int = -1) -> str:
    """``text`` in the window's language (``context`` groups strings in the catalogue)."""
    return QCoreApplication.translate(context, text, disambiguation, n)


def translations_dir() -> Path:
    return resource_path("i18n")


def resolve_language(choice: str | None, system: QLocale | None = None) -> str:
    """The shipped language for a Preferences ``choice`` (``"system"``, a code, or None)."""
    if choice and choice != SYSTEM:
        return choice if choice in LANGUAGES else "en"
    locale = system or QLocale.system()
    name = locale.name()  # e.g. "zh_CN", "zh_TW", "en_US"
    if name in LANGUAGES:
        return name
    if locale.language() == QLocale.Language.Chinese and locale.script() in (
        QLocale.Script.SimplifiedHanScript,
        QLocale.Script.AnyScript,
    ):
        return "zh_CN"
    return "en"


def install(language: str) -> str:
    """Install the translators for ``language`` (ours and Qt's own dialogs' where present);
    returns the language now in use (``"en"`` when its catalogue is missing)."""
    app = QCoreApplication.instance()
    if app is None:
        raise RuntimeError("create the QApplication before installing a translation")
    for old in _installed:
        app.removeTranslator(old)
    _installed.clear()
    if language == "en":
        return "en"
    ours = QTranslator(app)
    if not ours.load(f"f1studio_{language}", str(translations_dir())):
        log.warning("no compiled translation for %s in %s", language, translations_dir())
        return "en"
    app.installTranslator(ours)
    _installed.append(ours)
    qt = QTranslator(app)
    if qt.load(
        QLocale(language),
        "qtbase",
        "_",
        QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath),
    ):
        app.installTranslator(qt)
        _installed.append(qt)
    return language
