"""Where the files that ship with F1 Studio are: ``f1studio/resources`` (icons, presets, the
demo model, translations), found through :mod:`importlib.resources` so that an installed
wheel, an editable checkout and a desktop bundle all find the same files. No Qt, no torch."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def resources_root() -> Path:
    """The ``resources`` folder inside the installed package."""
    root = files("f1studio").joinpath("resources")
    # a package installed from a wheel, a checkout or a PyInstaller bundle lives in folders
    return Path(str(root))


def resource_path(*parts: str) -> Path:
    """``resources_root() / parts...`` (the path may not exist: callers check)."""
    return resources_root().joinpath(*parts)
