"""A new project: the canvas size, steps, guidance, scheduler and live settings of the model in
use (the demo model draws only 128x128 pictures), with one paint layer to sketch on."""

from __future__ import annotations

from f1studio.appsettings import AppSettings
from f1studio.document.document import Document
from f1studio.document.layers import LayerKind
from f1studio.gui.family_defaults import apply_live_defaults, project_defaults
from f1studio.gui.i18n import translate
from f1studio.model_library import resolve_models


def effective_base(doc: Document | None = None) -> str | None:
    """The base model a render would use now (the demo model when none is chosen)."""
    project = doc.settings.models if doc is not None else None
    return resolve_models(project, AppSettings.load()).base


def new_document() -> Document:
    """A blank project with one paint layer, sized for the model in use (the demo model
    draws only 128x128 pictures)."""
    size, found = project_defaults(effective_base())
    doc = Document(size, size, prompt="")
    if found is not None:  # the model's own steps, guidance and scheduler (as `f1studio new`)
        doc.set_setting("steps", found.steps)
        doc.set_setting("guidance_scale", found.guidance)
        doc.set_setting("scheduler", found.scheduler)
    apply_live_defaults(doc, effective_base())  # live mode's few steps for this model
    doc.add_layer(LayerKind.PAINT, name=translate("NewProject", "Sketch"))
    doc.history.clear()
    return doc
