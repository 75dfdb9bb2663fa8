"""The engine's settings that live in the environment, set from the user's preferences.

The engine reads a few choices from environment variables when it loads a model or starts
its thread (``F1STUDIO_ENGINE_THREADS``, ``F1STUDIO_MEMORY_MODE``, the speed switches
``F1STUDIO_CHANNELS_LAST``, ``F1STUDIO_FUSED_QKV``, ``F1STUDIO_COMPILE``). The window's Preferences
and ``f1studio config`` store them as ordinary settings (:class:`AppSettings`); :func:`apply`
puts them in the environment for the engine. A variable the user set before F1 Studio started
wins over the preference, and :func:`set_outside` names it so Preferences can say so.
No Qt, no torch.
"""

from __future__ import annotations

import os

from f1studio.appsettings import AppSettings

#: preference field -> the environment variable the engine reads; ``single_file_configs.F``
#: is family F's entry of that mapping (where a single-file checkpoint's configuration comes
#: from when the Hugging Face cache does not have it)
VARIABLES: dict[str, str] = {
    "engine_threads": "F1STUDIO_ENGINE_THREADS",
    "memory_mode": "F1STUDIO_MEMORY_MODE",
    "channels_last": "F1STUDIO_CHANNELS_LAST",
    "fused_qkv": "F1STUDIO_FUSED_QKV",
    "compile_mode": "F1STUDIO_COMPILE",
    "single_file_configs.sd15": "F1STUDIO_SD15_CONFIG",
    "single_file_configs.sdxl": "F1STUDIO_SDXL_CONFIG",
    "single_file_configs.flux": "F1STUDIO_FLUX_CONFIG",
}


def usable_cores() -> int:
    """The CPU cores this process may run on (its affinity where the OS tells it)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 2


# what apply() wrote, so a later apply can tell its own values from the user's
_written: dict[str, str] = {}


def set_outside(field: str) -> str | None:
    """``"NAME=value"`` when the environment variable behind ``field`` was set outside F1 Studio
    (it then overrides the preference), else None."""
    name = VARIABLES[field]
    value = os.environ.get(name, "").strip()
    if not value or _written.get(name) == value:
        return None
    return f"{name}={value}"


def _value(settings: AppSettings, field: str) -> str:
    if field == "engine_threads":
        return str(settings.engine_threads) if settings.engine_threads > 0 else ""
    if field in ("channels_last", "fused_qkv"):  # on, or unset (the engine's off)
        return "on" if getattr(settings, field) else ""
    if field == "compile_mode":
        return "" if settings.compile_mode == "off" else settings.compile_mode
    if field.startswith("single_file_configs."):
        return settings.single_file_configs.get(field.split(".", 1)[1], "")
    return str(getattr(settings, field)).strip()


def apply(settings: AppSettings) -> None:
    """Put ``settings``' engine choices in the environment, except where the user set the
    variable outside F1 Studio."""
    for field, name in VARIABLES.items():
        if set_outside(field) is not None:
            continue
        value = _value(settings, field)
        if value:
            os.environ[name] = value
            _written[name] = value
        else:
            os.environ.pop(name, None)
            _written.pop(name, None)
