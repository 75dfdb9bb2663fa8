"""Which models render: a base model, a ControlNet per control kind and a depth estimator.

A project's own choices (``document.settings``) and the user's defaults (``appsettings``) are
both a :class:`ModelChoice`; ``model_library.resolve_models`` decides between them. A *slot*
names one choice: ``base``, ``<kind>_controlnet`` for each :class:`ControlKind` (the names
older settings files and projects used as fields) and ``depth_estimator``. No Qt, no torch.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from f1studio.engine.request import ControlKind

BASE_SLOT = "base"
DEPTH_ESTIMATOR_SLOT = "depth_estimator"
#: Every model slot, in the order the choosers show them.
MODEL_SLOTS: tuple[str, ...] = (
    BASE_SLOT,
    *(kind.settings_key for kind in ControlKind),
    DEPTH_ESTIMATOR_SLOT,
)

_Choice = TypeVar("_Choice", bound="ModelChoice")


def slot_kind(slot: str) -> ControlKind | None:
    """The control kind whose ControlNet ``slot`` holds (``None`` for base and estimator)."""
    return next((kind for kind in ControlKind if kind.settings_key == slot), None)


def slot_label(slot: str) -> str:
    """``base model``, ``edge ControlNet``, ``depth estimator``: the slot in a sentence."""
    kind = slot_kind(slot)
    if kind is not None:
        return f"{kind.value} ControlNet"
    return {BASE_SLOT: "base model", DEPTH_ESTIMATOR_SLOT: "depth estimator"}[check_slot(slot)]


def check_slot(slot: str) -> str:
    """``slot`` itself; ``ValueError`` naming the slots when it is none of them."""
    if slot not in MODEL_SLOTS:
        raise ValueError(f"unknown model slot {slot!r} (choose from {', '.join(MODEL_SLOTS)})")
    return slot


def read_legacy_fields(data: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` with the flat ``<kind>_controlnet`` fields of older files moved into
    ``controlnets`` (a ``controlnets`` entry of the same kind wins)."""
    out = dict(data)
    nets: dict[str, Any] = {}
    for kind in ControlKind:
        old = out.pop(kind.settings_key, None)
        if old:
            nets[kind.value] = old
    if nets:
        current = out.get("controlnets")
        out["controlnets"] = {**nets, **(current if isinstance(current, Mapping) else {})}
    return out


@dataclass
class ModelChoice:
    """Chosen models; ``None`` (or no entry in ``controlnets``) leaves the slot to the next
    source in precedence. ``controlnets`` maps a :class:`ControlKind` value to a model."""

    base: str | None = None
    controlnets: dict[str, str] = field(default_factory=dict)
    depth_estimator: str | None = None

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Check the types: each model is text or ``None``, ``controlnets`` maps guide kinds to
        text (empty entries are dropped). ``ValueError`` names the field and shows the value."""
        for name in (BASE_SLOT, DEPTH_ESTIMATOR_SLOT):
            value = getattr(self, name)
            if value is not None and not isinstance(value, str):
                raise ValueError(f"{name} must be a model name or path (text), not {value!r}")
        if not isinstance(self.controlnets, Mapping):
            raise ValueError(
                f"controlnets must map guide kinds to models, not {self.controlnets!r}"
            )
        nets: dict[str, str] = {}
        for kind, model in self.controlnets.items():
            if model is not None and not isinstance(model, str):
                raise ValueError(
                    f"controlnets[{kind!r}] must be a model name or path (text), not {model!r}"
                )
            if model:
                nets[ControlKind(kind).value] = model
        self.controlnets = nets

    def controlnet_for(self, kind: ControlKind | str) -> str | None:
        return self.controlnets.get(ControlKind(kind).value)

    def model_in(self, slot: str) -> str | None:
        """The model chosen in ``slot`` (see :data:`MODEL_SLOTS`)."""
        kind = slot_kind(check_slot(slot))
        if kind is not None:
            return self.controlnet_for(kind)
        return self.base if slot == BASE_SLOT else self.depth_estimator

    def with_model(self: _Choice, slot: str, model: str | None) -> _Choice:
        """A copy with ``model`` in ``slot`` (``None`` or blank: nothing chosen there)."""
        text = None if model is None else str(model).strip() or None
        kind = slot_kind(check_slot(slot))
        if slot == BASE_SLOT:
            return replace(self, base=text)
        if kind is None:
            return replace(self, depth_estimator=text)
        nets = {k: v for k, v in self.controlnets.items() if k != kind.value}
        if text is not None:
            nets[kind.value] = text
        return replace(self, controlnets=nets)

    def chosen(self) -> dict[str, str]:
        """Slot -> model for every slot with a model in it."""
        found = {slot: self.model_in(slot) for slot in MODEL_SLOTS}
        return {slot: model for slot, model in found.items() if model}
