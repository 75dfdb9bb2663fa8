"""The user's models: which ones render, the folders scanned for them, and their upkeep.

Shared by the command line (``f1studio models``, ``config``, ``render``, ``add-layer``) and
the window (the Models dialog, renders, guide extraction), so both decide alike:

- :func:`resolve_models` is the one precedence rule: a command-line flag, else the project's
  choice, else the user's settings, else the shipped demo model;
- :func:`models_to_add`, :func:`add_folder`, :func:`remove_folder` keep the list of folders;
- :func:`slots_using` says which model choices refer to a model ("in use");
- :func:`slots_for` says which slots a catalogued model can fill;
- :func:`tiny_vae_for` says which of the user's tiny VAEs suits a base model's family;
- :func:`few_step_lora_for` says which few-step LoRA live mode renders a base model with;
- :func:`new_layer_properties` gives the Weight and Mode a new guide layer starts with.

No Qt; torch is never imported (the catalog reads configs and safetensors headers only).
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from f1studio.appsettings import AppSettings
from f1studio.demo import model as demo
from f1studio.engine import catalog
from f1studio.engine.catalog import InstalledModel, Skipped
from f1studio.engine.events import EngineError
from f1studio.engine.family_table import ModelFamily
from f1studio.engine.request import ControlKind
from f1studio.model_choice import MODEL_SLOTS, ModelChoice, slot_kind, slot_label

#: The catalog role (``InstalledModel.role``) of the models each slot takes.
SLOT_ROLES: dict[str, str] = {
    slot: ("controlnet" if slot_kind(slot) else slot.replace("_", "-")) for slot in MODEL_SLOTS
}


class LibraryError(Exception):
    """A refusal to show the user as it is (one sentence, no traceback)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# ---- which models render ----------------------------------------------------------------------
def resolve_models(
    project: ModelChoice | None = None,
    user: ModelChoice | None = None,
    flags: ModelChoice | None = None,
) -> ModelChoice:
    """The models a render uses. Per slot the first choice wins: ``flags`` (the command line),
    then ``project`` (the document's own), then ``user`` (the per-user settings). With no base
    model chosen anywhere it is the demo model with its own ControlNets (ControlNets chosen
    without a base model belong to some other model, so they are not mixed with the demo's);
    the depth estimator is kept, whatever the base model."""
    sources = [choice for choice in (flags, project, user) if choice is not None]
    resolved = ModelChoice()
    for slot in MODEL_SLOTS:
        model = next((m for m in (s.model_in(slot) for s in sources) if m), None)
        resolved = resolved.with_model(slot, model)
    if resolved.base:
        return resolved
    shipped = demo.demo_model()
    if shipped is None:
        return resolved
    return ModelChoice(shipped.pipeline, dict(shipped.controlnets), resolved.depth_estimator)


def tiny_vae_for(base: str | None, settings: AppSettings) -> str | None:
    """The user's tiny VAE for the family of the base model ``base`` (``tiny_vaes``), or
    ``None``: none chosen for it, a family that cannot be told without loading, or the demo
    model (its own small VAE has a latent space of its own that no tiny VAE knows)."""
    if not base or not settings.tiny_vaes or demo.is_demo(base):
        return None
    family = base_family(base)
    return settings.tiny_vaes.get(family.value) if family is not None else None


def ip_adapter_for(base: str | None, settings: AppSettings) -> str | None:
    """The user's IP-Adapter for the family of the base model ``base`` (``ip_adapters``); for
    the demo model its own (``ip-adapter/`` beside it: no other adapter fits its small UNet);
    ``None`` when none is chosen or the family is unknown."""
    if base and demo.is_demo(base):
        own = demo.DEMO_ROOT / demo.IP_ADAPTER_FOLDER
        return str(own) if (own / "image_encoder" / "config.json").is_file() else None
    if not base or not settings.ip_adapters:
        return None
    family = base_family(base)
    return settings.ip_adapters.get(family.value) if family is not None else None


def few_step_lora_for(base: str | None) -> demo.FewStepLora | None:
    """The few-step LoRA live mode renders the base model ``base`` with: the demo model's own
    (``few-step/`` beside it); ``None`` for any other model (a user's few-step LoRA is
    switched on in the LoRA list, where its preset sets the sampler for every render)."""
    return demo.few_step_lora() if base and demo.is_demo(base) else None


def guide_defaults_for(base: str | None, kind: str) -> dict[str, float]:
    """The Weight and Mode (``weight``, ``balance``) a new ``kind`` guide layer (``edge``,
    ``depth``...) starts with for the base model ``base``: the demo model's own
    (``guide_defaults.json`` beside it); none for any other model (a layer's usual
    defaults: weight 1, balanced)."""
    if not base or not demo.is_demo(base):
        return {}
    return dict(demo.guide_defaults().get(kind, {}))


def new_layer_properties(
    kind: str, project: ModelChoice | None, settings: ModelChoice | None
) -> dict[str, Any]:
    """The properties a new layer of ``kind`` takes in a project whose model choice is
    ``project`` (and ``settings``, the user's choice), beside the layer's usual defaults: :func:`guide_defaults_for` the base model
    that renders it (:func:`resolve_models`) for a guide, nothing for other kinds."""
    if kind not in {k.value for k in ControlKind}:
        return {}
    return guide_defaults_for(resolve_models(project, settings).base, kind)


def inpaint_controlnet_for(base: str | None, settings: AppSettings) -> str | None:
    """The inpaint ControlNet that inpaint masks render with: the demo model's own
    (``controlnet-inpaint/`` beside it), else the user's for the base model's family
    (``inpaint_controlnets``, SD1.5 only: the inpaint ControlNets people use are ControlNet
    1.1's for SD1.5); ``None`` when there is none (masked re-noising alone)."""
    if base and demo.is_demo(base):
        own = demo.DEMO_ROOT / demo.INPAINT_CONTROLNET_FOLDER
        return str(own) if (own / "config.json").is_file() else None
    if not base or not settings.inpaint_controlnets:
        return None
    family = base_family(base)
    if family is not ModelFamily.SD15:
        return None
    return settings.inpaint_controlnets.get(family.value)


@lru_cache(maxsize=32)
def base_family(base: str) -> ModelFamily | None:
    """The family of a base model (a folder, a file or a hub id in the local Hugging Face
    cache) from its configuration or tensor names, without loading it; ``None`` when unknown."""
    from f1studio.engine.identification import detect_family

    path = Path(base).expanduser()
    try:
        if path.exists():
            return detect_family(path)[0]
        from huggingface_hub import try_to_load_from_cache

        index = try_to_load_from_cache(base, "model_index.json")
        return detect_family(Path(index).parent)[0] if isinstance(index, str) else None
    except (EngineError, OSError, ValueError):
        return None


# ---- what a model is for, and who uses it -----------------------------------------------------
def slots_for(model: InstalledModel) -> tuple[str, ...]:
    """The slots ``model`` can fill: ``base``, every ControlNet slot, or ``depth_estimator``."""
    return tuple(slot for slot in MODEL_SLOTS if SLOT_ROLES[slot] == model.role)


def same_location(a: str, b: str) -> bool:
    """Whether two paths name the same file or folder (``~`` and symlinks resolved)."""
    return os.path.realpath(os.path.expanduser(a)) == os.path.realpath(os.path.expanduser(b))


def refers_to(reference: str, model: InstalledModel) -> bool:
    """Whether a settings value (a hub id, a folder or a file) names ``model``."""
    return reference == model.hub_id or same_location(reference, model.location)


def slots_using(model: InstalledModel, choice: ModelChoice) -> list[str]:
    """The slots of ``choice`` (user settings or a project) that refer to ``model``."""
    return [slot for slot, ref in choice.chosen().items() if refers_to(ref, model)]


def in_use(model: InstalledModel, *choices: ModelChoice) -> bool:
    return any(slots_using(model, choice) for choice in choices)


def use_model(settings: AppSettings, slot: str, model: InstalledModel) -> AppSettings:
    """Store ``model`` in the user's ``slot`` and save; the saved settings."""
    if slot not in slots_for(model):
        raise LibraryError(f"{model.name} is a {model.role}: it cannot be the {slot_label(slot)}")
    chosen = settings.with_model(slot, model.reference)
    chosen.save()
    return chosen


def use_tiny_vae(settings: AppSettings, model: InstalledModel) -> AppSettings:
    """Store the tiny VAE ``model`` as the user's tiny VAE of its family and save."""
    if model.role != "tiny-vae" or model.family is None:
        raise LibraryError(f"{model.name} is a {model.role}, not a tiny VAE")
    chosen = settings.with_tiny_vae(model.family, model.reference)
    chosen.save()
    return chosen


def use_ip_adapter(settings: AppSettings, model: InstalledModel) -> AppSettings:
    """Store ``model`` (an IP-Adapter, or FLUX.1 Redux) as what reference pictures use with
    its family, and save."""
    if model.role != "ip-adapter" or model.family is None:
        raise LibraryError(f"{model.name} is a {model.role}, not an IP-Adapter or Redux model")
    chosen = settings.with_ip_adapter(model.family, model.reference)
    chosen.save()
    return chosen


def table_row(model: InstalledModel) -> tuple[str, str, str, str, str, str]:
    """Name, family, variant, role, size and where: a row of the model tables."""
    size = catalog.format_size(model.size_bytes)
    return (model.name, model.family_label, model.variant or "", model.role, size, model.where)


# ---- folders ----------------------------------------------------------------------------------
def scan(folders: list[str]) -> tuple[list[InstalledModel], Skipped]:
    """Every model in ``folders`` and the Hugging Face cache, and what was not identified."""
    skipped: Skipped = []
    return catalog.scan(folders, skipped=skipped), skipped


def models_to_add(path: str | Path) -> tuple[Path, list[InstalledModel]]:
    """The folder that adding ``path`` registers, and the models in it. A model file is
    identified (``EngineError`` when it is none) and its folder added; a folder is scanned.
    :class:`LibraryError` when ``path`` does not exist or holds no model F1 Studio knows."""
    path = Path(path).expanduser()
    if not path.exists():
        raise LibraryError(f"{path} does not exist")
    if path.is_file():
        return path.parent.resolve(), [catalog.identify(path)]
    skipped: Skipped = []
    found = catalog.scan_folder(path, skipped)
    if not found:
        why = ""
        if skipped:  # the first reason, with its location unless the reason names it already
            where, reason = skipped[0]
            why = f" ({reason})" if where in reason else f" ({where}: {reason})"
        raise LibraryError(f"no model F1 Studio can identify in {path}{why}")
    return path.resolve(), found


def add_folder(settings: AppSettings, folder: str | Path) -> tuple[str, bool]:
    """Add ``folder`` to the scanned folders (saved); (its resolved path, whether it is new)."""
    text = str(Path(folder).expanduser().resolve())
    if any(same_location(f, text) for f in settings.model_folders):
        return text, False
    settings.model_folders.append(text)
    settings.save()
    return text, True


def remove_folder(settings: AppSettings, target: str) -> str | None:
    """Forget the scanned folder ``target`` names (saved; its files stay); the folder, or
    ``None`` when ``target`` is no folder of the list."""
    for folder in settings.model_folders:
        if folder == target or same_location(folder, target):
            settings.model_folders.remove(folder)
            settings.save()
            return folder
    return None


def find_models(models: list[InstalledModel], target: str) -> list[InstalledModel]:
    """The models a name, hub id or location given by the user means."""
    return [
        m
        for m in models
        if target in (m.name, m.hub_id, m.location) or same_location(m.location, target)
    ]


def delete_from_hf_cache(model: InstalledModel) -> str:
    """Delete a Hugging Face cache model (every revision); the space freed, as text. Models in
    the user's own, AUTOMATIC1111 or ComfyUI folders are never deleted (:class:`LibraryError`)."""
    if model.source != "hf-cache" or not model.hub_id:
        where = {"a1111": "an AUTOMATIC1111", "comfyui": "a ComfyUI"}.get(model.source, "your own")
        raise LibraryError(
            f"{model.name} is in {where} folder ({model.location}): F1 Studio never deletes files "
            "from your own, AUTOMATIC1111 or ComfyUI folders; delete it yourself, or forget its "
            "folder with f1studio models remove FOLDER"
        )
    from huggingface_hub import scan_cache_dir

    info = scan_cache_dir(catalog.hf_cache_dir())
    hashes = [
        rev.commit_hash
        for repo in info.repos
        if repo.repo_id == model.hub_id and repo.repo_type == "model"
        for rev in repo.revisions
    ]
    strategy = info.delete_revisions(*hashes)
    strategy.execute()
    return str(strategy.expected_freed_size_str)
