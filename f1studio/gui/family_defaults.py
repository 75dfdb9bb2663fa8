"""What the window adapts to the chosen model's family and variant: sensible steps, guidance
and scheduler, and whether the guidance slider means anything (FLUX.1 schnell ignores it).

A Qt-free reader of the engine's family table (:mod:`f1studio.engine.family_table`) keyed by
plain strings, with the model identified by :func:`f1studio.engine.identification.identify`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from f1studio.demo.model import DEMO_SIZE, is_demo
from f1studio.document.document import Document
from f1studio.engine import family_table
from f1studio.engine.family_table import FAMILY_DEFAULTS, ModelFamily, VariantDefaults


def QT_TRANSLATE_NOOP(context: str, text: str) -> str:  # noqa: N802 - the name lupdate reads
    """Mark ``text`` for the translation catalogue without importing Qt (this module is read by
    the command line too); the window translates it where it shows it."""
    return text


#: The family and variant labels the window shows, for ``lupdate`` (``translate("ModelFamilies",
#: label)`` where they are shown; the engine's table keeps the English names).
FAMILY_LABEL_TEXTS = (
    QT_TRANSLATE_NOOP("ModelFamilies", "Stable Diffusion 1.5"),
    QT_TRANSLATE_NOOP("ModelFamilies", "shapes-world demo"),
    QT_TRANSLATE_NOOP("ModelFamilies", "SDXL"),
    QT_TRANSLATE_NOOP("ModelFamilies", "FLUX.1"),
    QT_TRANSLATE_NOOP("ModelFamilies", "FLUX.1 dev"),
    QT_TRANSLATE_NOOP("ModelFamilies", "FLUX.1 Fill"),
    QT_TRANSLATE_NOOP("ModelFamilies", "FLUX.1 schnell"),
)
#: The schedulers' labels (``engine.request.SCHEDULER_LABELS``), for ``lupdate``
#: (``translate("Schedulers", label)`` where they are shown).
SCHEDULER_LABEL_TEXTS = (
    QT_TRANSLATE_NOOP("Schedulers", "DPM++ 2M"),
    QT_TRANSLATE_NOOP("Schedulers", "DPM++ 2M Karras"),
    QT_TRANSLATE_NOOP("Schedulers", "Euler"),
    QT_TRANSLATE_NOOP("Schedulers", "Euler a"),
    QT_TRANSLATE_NOOP("Schedulers", "DDIM"),
    QT_TRANSLATE_NOOP("Schedulers", "Flow Euler"),
    QT_TRANSLATE_NOOP("Schedulers", "LCM"),
    QT_TRANSLATE_NOOP("Schedulers", "TCD"),
    QT_TRANSLATE_NOOP("Schedulers", "Euler Trailing"),
    QT_TRANSLATE_NOOP("Schedulers", "DPM adaptive"),
)

# (family, variant) -> defaults, as the window names them ("sd15", "demo")
DEFAULTS: dict[tuple[str, str | None], VariantDefaults] = {
    (family.value, variant): found for (family, variant), found in FAMILY_DEFAULTS.items()
}


def defaults_for(family: str | None, variant: str | None) -> VariantDefaults | None:
    """The defaults of a family (``"sd15"``, ...) and variant; None for an unknown family."""
    try:
        known = ModelFamily(family)
    except ValueError:
        return None
    return family_table.defaults_for(known, variant)


_cache: dict[tuple[str, float], tuple[str | None, str | None]] = {}


def identify_model(ref: str | None) -> tuple[str | None, str | None]:
    """(family, variant) of a local model folder or file, read from its configs or tensor names
    (no torch); (None, None) for hub ids and anything that cannot be identified."""
    if not ref:
        return None, None
    path = Path(ref).expanduser()
    if not path.exists():
        return None, None
    if is_demo(str(path)):
        return "sd15", "demo"
    key = (str(path), path.stat().st_mtime)
    if key not in _cache:
        from f1studio.engine.identification import identify

        try:
            model = identify(str(path))
            family = model.family.value if model.family is not None else None
            _cache[key] = (family, model.variant)
        except Exception:  # noqa: BLE001 - unknown is a fine answer for the UI
            _cache[key] = (None, None)
    return _cache[key]


def auto_device() -> str:
    """The device the engine picks for "auto" (imports torch: call it off the UI thread)."""
    from f1studio.engine.models import pick_device

    return pick_device("auto")


def planned_dtype(device: str, family: str | None) -> str:
    """The dtype the engine loads a model of ``family`` in on ``device`` (as its pick_dtype)."""
    if device == "cpu":
        return "float32"
    try:
        return ModelFamily(family).gpu_dtype
    except ValueError:
        return "float16"


def useful_guidance(found: VariantDefaults) -> tuple[float, float] | None:
    """The guidance range where a model gives good pictures: from 40 % to twice its usual
    guidance (SD1.5 3..15, SDXL 2.4..12, FLUX.1 dev 1.4..7); None where guidance is unused."""
    if not found.guidance_used:
        return None
    return round(found.guidance * 0.4, 1), found.guidance * 2


NEW_PROJECT_SIZE = 512  # a new project's canvas for any model but the demo one (it draws 128)


def project_defaults(base: str | None) -> tuple[int, VariantDefaults | None]:
    """A new project's canvas side and settings for the base model ``base``: the one set of
    defaults both the window's New and ``f1studio new`` start from (None: the model is not
    recognised, the project keeps the generic settings)."""
    from f1studio.appsettings import AppSettings

    family, variant = identify_model(base)
    found = defaults_for(family, variant)
    if is_demo(base):
        return DEMO_SIZE, found  # the demo model draws nothing sensible at other sizes
    chosen = AppSettings.load()  # the user's own defaults (Preferences ▸ New projects)
    size = chosen.new_project_sizes.get(family or "", NEW_PROJECT_SIZE)
    steps = chosen.new_project_steps.get(family or "")
    if found is not None and steps:
        found = replace(found, steps=steps)
    return size, found


@dataclass(frozen=True)
class LiveDefaults:
    """How live mode renders with a model: few steps, img2img over the sketch, and a warning
    where the model is too slow to follow the hand."""

    steps: int
    strength: float = 0.65  # how much is re-made: 0.65 keeps the sketch's layout and colours
    guidance: float = 0.0  # live mode's own guidance; 0: the prompt's
    warning: str | None = None  # English; the window shows translate("LiveDefaults", warning)


# names of few-step SD1.5/SDXL models (latent consistency, adversarial distillation)
_FEW_STEP_WORDS = ("lcm", "turbo", "lightning", "hyper", "schnell")
# The demo model: 5 denoising steps at 0.65 (~0.1 s at 128² on one core), at guidance 3: few
# steps overshoot at the 5 that suits 20 (150 held-out captions, 2026-12-06, f1studio eval
# --only live; docs/eval/few-step-guidance.md): a rough colour sketch's adherence 26.7% at 5,
# 34.7% at 3; from scratch in 4 steps 21.3% at 5, 30.7% at 3 (20 steps at 5: 36.7%).
# With its few-step LoRA (live_few_step, on by default) live mode renders at the LoRA's guidance
# instead (1: docs/eval/few-step-lora.md); 3 is for when the LoRA's box is unticked.
DEMO_LIVE = LiveDefaults(steps=8, guidance=3.0)
FEW_STEP_LIVE = LiveDefaults(steps=4)


def live_defaults(family: str | None, variant: str | None, model: str | None) -> LiveDefaults:
    """Live settings for a model: the demo model a handful of steps; SD1.5/SDXL their own
    steps (4 for LCM/turbo-class names); FLUX.1 schnell 4, dev 12 with a warning."""
    name = Path(model).name.lower() if model else ""
    if variant == "demo" or is_demo(model):
        return DEMO_LIVE
    if family == ModelFamily.FLUX.value:
        if variant == "schnell":
            return FEW_STEP_LIVE
        return LiveDefaults(
            steps=12,
            warning=QT_TRANSLATE_NOOP(
                "LiveDefaults",
                "FLUX.1 dev is slow for live mode (seconds a picture even with 12 steps); "
                "FLUX.1 schnell follows the sketch in 1–4 steps",
            ),
        )
    if any(word in name for word in _FEW_STEP_WORDS):
        return FEW_STEP_LIVE
    found = defaults_for(family, variant)
    return LiveDefaults(steps=found.steps if found is not None else 25)


def apply_live_defaults(doc: Document, base: str | None) -> str | None:
    """Set the live steps, strength and guidance that suit the model ``base``; its warning, if
    any."""
    from f1studio.appsettings import AppSettings

    found = live_defaults(*identify_model(base), base)
    chosen = AppSettings.load()  # Preferences ▸ New projects ▸ live mode
    doc.set_setting("live_steps", chosen.live_steps or found.steps)
    doc.set_setting("live_strength", chosen.live_strength)
    doc.set_setting("live_guidance", found.guidance)
    return found.warning
