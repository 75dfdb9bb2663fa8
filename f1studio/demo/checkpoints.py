"""Resumable training checkpoints stored as safetensors + JSON (nothing is pickled)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


def save(path: Path, modules: dict[str, Any], optimizer: Any, step: int, extra: dict) -> None:
    """Write modules' weights, the optimizer's state and ``step`` atomically under ``path``."""
    import torch
    from safetensors.torch import save_file

    tensors: dict[str, torch.Tensor] = {}
    for name, module in modules.items():
        for key, value in module.state_dict().items():
            tensors[f"{name}.{key}"] = value.detach().contiguous().clone()
    state = optimizer.state_dict()
    for index, entries in state["state"].items():
        for key, value in entries.items():
            tensors[f"optimizer.{index}.{key}"] = torch.as_tensor(value).contiguous().clone()
    meta = {"step": step, "param_groups": state["param_groups"], "extra": extra}
    path.mkdir(parents=True, exist_ok=True)
    tmp = path / "state.safetensors.tmp"
    save_file(tensors, str(tmp))
    os.replace(tmp, path / "state.safetensors")
    (path / "state.json.tmp").write_text(json.dumps(meta), encoding="utf-8")
    os.replace(path / "state.json.tmp", path / "state.json")


def load(path: Path, modules: dict[str, Any], optimizer: Any) -> tuple[int, dict] | None:
    """Restore a checkpoint written by :func:`save`; ``None`` when there is none."""
    from safetensors.torch import load_file

    if not (path / "state.json").is_file() or not (path / "state.safetensors").is_file():
        return None
    meta = json.loads((path / "state.json").read_text(encoding="utf-8"))
    tensors = load_file(str(path / "state.safetensors"))
    for name, module in modules.items():
        prefix = f"{name}."
        module.load_state_dict(
            {k[len(prefix) :]: v for k, v in tensors.items() if k.startswith(prefix)}
        )
    opt_state: dict[int, dict] = {}
    for key, value in tensors.items():
        if key.startswith("optimizer."):
            _, index, field = key.split(".", 2)
            opt_state.setdefault(int(index), {})[field] = value
    optimizer.load_state_dict({"state": opt_state, "param_groups": meta["param_groups"]})
    return int(meta["step"]), meta.get("extra", {})
