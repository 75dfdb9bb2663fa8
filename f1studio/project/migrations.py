"""Upgrade project manifests written by older versions to the current format.

Each entry of :data:`MIGRATIONS` maps a format version ``n`` to a function that takes a
manifest of version ``n`` and returns one of version ``n + 1``. :func:`migrate` applies them in
order. A step is frozen in time: it names the fields of its own two formats, never today's code.

- format 1: the first released format;
- format 2: the model choices keep ControlNets in one mapping by guide kind
  (``settings.models.controlnets: {"edge": ..., "depth": ...}``) instead of the fields
  ``edge_controlnet`` and ``depth_controlnet``;
- format 3: the document keeps its generation history (``results``: a limit and the results,
  each with its picture under ``results/`` and the request that made it);
- format 4: region layers may carry a ``layout`` record (made by Layout from the prompt) and
  guides a ``region`` (the region layer they are limited to) and a ``balance`` (control mode);
  nothing to upgrade, but an older F1 Studio would refuse the properties, so the number says it.
- format 5: LoRAs: the settings' ``loras`` (on the whole picture) and region layers' ``loras``
  (each ``{"path", "weight", "enabled"}``); reference layers' ``use`` (``trace``, ``style``,
  ``subject``, ``composition``), ``weight``, ``start`` and ``end``; nothing to upgrade, as
  for format 4.
- format 6: the settings' ``live_guidance`` (live mode's own guidance; 0 = the prompt's) and
  the ``layout_shape`` "fitted" (each Layout region the shape its object is named for);
  nothing to upgrade (a project without it keeps following the prompt's guidance and its own
  layout shape), as for format 4.
- format 7: the settings' ``live_few_step`` (live mode renders with the model's own few-step
  LoRA where it has one); nothing to upgrade (a project without it uses the LoRA, as a new one
  does), as for format 4.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from f1studio.project.errors import ManifestError, NewerFormatError

CURRENT_FORMAT = 7

Manifest = dict[str, Any]
MigrationStep = Callable[[Manifest], Manifest]


def _v1_to_v2(manifest: Manifest) -> Manifest:
    """Format 1's ``edge_controlnet``/``depth_controlnet`` model fields -> ``controlnets``."""
    settings = manifest.get("settings")
    models = settings.get("models") if isinstance(settings, dict) else None
    if isinstance(models, dict):
        nets: dict[str, Any] = {}
        for kind in ("edge", "depth"):
            model = models.pop(f"{kind}_controlnet", None)
            if model:
                nets[kind] = model
        models["controlnets"] = nets
    manifest["format_version"] = 2
    return manifest


def _v2_to_v3(manifest: Manifest) -> Manifest:
    """Format 2 had no generation history: an empty one with the default limit."""
    manifest.setdefault("results", {"limit": 50, "items": []})
    manifest["format_version"] = 3
    return manifest


def _v3_to_v4(manifest: Manifest) -> Manifest:
    """Format 3 had no layout records: nothing changes."""
    manifest["format_version"] = 4
    return manifest


def _v4_to_v5(manifest: Manifest) -> Manifest:
    """Format 4 had no LoRAs: nothing changes."""
    manifest["format_version"] = 5
    return manifest


def _v5_to_v6(manifest: Manifest) -> Manifest:
    """Format 5 had no live guidance and no fitted layout shape: nothing changes (live mode
    follows the prompt's guidance, Layout keeps the project's shape)."""
    manifest["format_version"] = 6
    return manifest


def _v6_to_v7(manifest: Manifest) -> Manifest:
    """Format 6 had no choice of live mode's few-step LoRA: nothing changes (live mode uses
    the model's own where it has one, as in a new project)."""
    manifest["format_version"] = 7
    return manifest


#: from-version -> step producing a manifest of from-version + 1.
MIGRATIONS: dict[int, MigrationStep] = {
    1: _v1_to_v2,
    2: _v2_to_v3,
    3: _v3_to_v4,
    4: _v4_to_v5,
    5: _v5_to_v6,
    6: _v6_to_v7,
}


def format_version_of(manifest: Manifest) -> int:
    """The manifest's ``format_version``; :class:`ManifestError` when missing or not an int."""
    version = manifest.get("format_version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 0:
        raise ManifestError(
            f"The project manifest has no valid format version (found {version!r})."
        )
    return version


def migrate(
    manifest: Manifest,
    *,
    current: int = CURRENT_FORMAT,
    steps: dict[int, MigrationStep] | None = None,
) -> Manifest:
    """Return ``manifest`` upgraded to format ``current`` (the input is never modified).

    Raises :class:`NewerFormatError` for a format above ``current`` and :class:`ManifestError`
    when no step exists for an old version. ``steps`` defaults to :data:`MIGRATIONS`.
    """
    registry = MIGRATIONS if steps is None else steps
    version = format_version_of(manifest)
    if version > current:
        raise NewerFormatError(version, current)
    result = copy.deepcopy(manifest)
    while version < current:
        step = registry.get(version)
        if step is None:
            raise ManifestError(
                f"Project format {version} is too old for this F1 Studio (no upgrade path "
                f"to format {current})."
            )
        result = step(result)
        new_version = format_version_of(result)
        if new_version != version + 1:
            raise ManifestError(
                f"Upgrading project format {version} produced format {new_version}, "
                f"expected {version + 1}."
            )
        version = new_version
    return result
