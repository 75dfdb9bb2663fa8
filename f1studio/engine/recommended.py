"""The curated list of models F1 Studio recommends (``f1studio/resources/presets/recommended_models.json``).

Each entry names a Hugging Face id, its family, role and guide kinds, an approximate download
size (``None`` when not known), its licence (name and URL), whether the hub asks you to accept
the licence first (``gated``; ``None`` when not known) and one line of description. No Qt.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from f1studio.engine.family_table import ModelFamily
from f1studio.engine.identification import ROLES
from f1studio.engine.request import ControlKind
from f1studio.paths import resource_path

#: roles beyond the model roles: what a recommended entry may also be
EXTRA_ROLES = ("lora", "ip-adapter")

RECOMMENDED_FILE = resource_path("presets", "recommended_models.json")


@dataclass(frozen=True)
class RecommendedModel:
    id: str  # Hugging Face repository id
    name: str
    family: ModelFamily | None
    role: str  # one of catalog.ROLES ("base", "controlnet", ...), "lora" or "ip-adapter"
    variant: str | None
    guides: tuple[str, ...]  # guide kinds (ControlKind values) a ControlNet / estimator serves
    size_bytes: int | None  # approximate download size
    licence: str
    licence_url: str
    gated: bool | None
    non_commercial: bool
    description: str
    files: tuple[str, ...] = ()  # download only these (a LoRA among other files); () = default

    @property
    def page(self) -> str:
        return f"https://huggingface.co/{self.id}"

    def licence_summary(self) -> str:
        """``apache-2.0``, ``flux-1-dev-non-commercial-license (non-commercial), gated``."""
        text = self.licence + (" (non-commercial)" if self.non_commercial else "")
        return text + (", gated" if self.gated else "")

    def licence_notes(self) -> list[str]:
        """What the user must know before downloading: non-commercial, gated (or maybe)."""
        notes = ["non-commercial use only"] if self.non_commercial else []
        if self.gated:
            notes.append("gated: accept the licence on the model page and set a token first")
        elif self.gated is None:
            notes.append("the model page may ask you to accept the licence first")
        return notes

    def licence_line(self) -> str:
        """``Licence: apache-2.0 (https://...)`` plus what the user must know before using it."""
        line = f"Licence: {self.licence} ({self.licence_url})"
        if self.non_commercial:
            line += " — non-commercial use only"
        if self.gated:
            line += f"; gated: accept it on {self.page} and set a Hugging Face token first"
        return line


def _entry(raw: dict) -> RecommendedModel:
    family = raw.get("family")
    role = raw["role"]
    if role not in ROLES + EXTRA_ROLES:
        raise ValueError(f"{raw['id']}: unknown role {role!r}")
    guides = tuple(raw.get("guides") or ())
    if any(g not in {kind.value for kind in ControlKind} for g in guides):
        raise ValueError(f"{raw['id']}: unknown guide kind in {guides}")
    size = raw.get("size_bytes")
    return RecommendedModel(
        id=raw["id"],
        name=raw.get("name") or raw["id"],
        family=ModelFamily(family) if family else None,
        role=role,
        variant=raw.get("variant"),
        guides=guides,
        size_bytes=int(size) if size is not None else None,
        licence=raw["licence"],
        licence_url=raw["licence_url"],
        gated=raw.get("gated"),
        non_commercial=bool(raw.get("non_commercial", False)),
        description=raw.get("description", ""),
        files=tuple(raw.get("files") or ()),
    )


@lru_cache(maxsize=4)
def _load(path: str) -> tuple[RecommendedModel, ...]:
    data = json.loads(Path(path).read_text("utf-8"))
    return tuple(_entry(raw) for raw in data["models"])


def load_recommended(path: str | Path | None = None) -> list[RecommendedModel]:
    """Every curated model, in the file's order."""
    return list(_load(str(path or RECOMMENDED_FILE)))


def find_recommended(repo_id: str) -> RecommendedModel | None:
    """The curated entry of a hub id (case-insensitive), or None."""
    wanted = repo_id.strip().lower()
    return next((m for m in load_recommended() if m.id.lower() == wanted), None)


def recommended_for(
    family: ModelFamily | None = None, role: str | None = None, guide: str | None = None
) -> list[RecommendedModel]:
    """The curated models of a family, role and/or guide kind."""
    return [
        m
        for m in load_recommended()
        if (family is None or m.family is family)
        and (role is None or m.role == role)
        and (guide is None or guide in m.guides)
    ]
