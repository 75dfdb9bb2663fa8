"""Loading a tiny VAE (diffusers' ``AutoencoderTiny``, see :mod:`f1studio.engine.tiny_vae`)
with the rules of :mod:`f1studio.engine.models`: safetensors unless pickles are allowed, never
remote code; a diffusers folder, a single file (diffusers' keys or madebyollin's
``taesd_decoder`` layout) or a hub id from the local cache, with the clear offline error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from f1studio.engine.events import EngineError, ErrorKind
from f1studio.engine.model_files import PICKLE_SUFFIXES, check_folder_weights, check_json_files
from f1studio.engine.models import load_error, local_source
from f1studio.engine.quiet import quiet_libraries


def load_tiny_vae(ref: str, device: str, dtype: Any, *, allow_pickle: bool = False) -> Any:
    """An ``AutoencoderTiny`` on ``device`` in ``dtype`` from a folder, file or hub id."""
    quiet_libraries()
    _, location = local_source(ref, allow_pickle=allow_pickle, what="tiny VAE")
    try:
        if Path(location).is_dir():
            vae = _from_folder(Path(location), allow_pickle)
        else:
            vae = _from_single_file(Path(location))
        return vae.to(device=device, dtype=dtype).eval()
    except Exception as e:  # noqa: BLE001 - one clear line, whatever the library says
        raise load_error("tiny VAE", location, e) from e


def _from_folder(folder: Path, allow_pickle: bool) -> Any:
    from diffusers import AutoencoderTiny

    config = folder / "config.json"
    check_json_files(folder)
    if not config.exists() or '"AutoencoderTiny"' not in config.read_text("utf-8"):
        raise EngineError(
            ErrorKind.MODEL_INVALID,
            f"{folder.name} is not a tiny VAE (its config.json names no AutoencoderTiny)",
        )
    check_folder_weights(folder, allow_pickle)
    return AutoencoderTiny.from_pretrained(
        str(folder), use_safetensors=None if allow_pickle else True
    )


def _read_tensors(path: Path) -> dict[str, Any]:
    if path.suffix.lower() in PICKLE_SUFFIXES:  # resolve() allowed it: the user's choice
        import torch

        return dict(torch.load(str(path), map_location="cpu", weights_only=True))
    from safetensors.torch import load_file

    return load_file(str(path))


def diffusers_keys(tensors: dict[str, Any]) -> dict[str, Any]:
    """A tiny VAE's tensors under diffusers' names. madebyollin's own files number the layers
    of ``nn.Sequential`` models whose decoder starts with a parameterless clamp (one more than
    diffusers' ``decoder.layers``); a decoder-only file has no ``decoder.`` prefix."""
    out: dict[str, Any] = {}
    for key, value in tensors.items():
        if key.startswith(("decoder.layers.", "encoder.layers.")):
            out[key] = value
            continue
        part, _, rest = key.partition(".")
        if part.isdigit():
            part, rest = "decoder", key
        index, _, tail = rest.partition(".")
        if part in ("encoder", "decoder") and index.isdigit():
            shift = 1 if part == "decoder" else 0
            out[f"{part}.layers.{int(index) - shift}.{tail}"] = value
    return out


def _from_single_file(path: Path) -> Any:
    from diffusers import AutoencoderTiny

    state = diffusers_keys(_read_tensors(path))
    first = state.get("decoder.layers.0.weight")
    if first is None or first.ndim != 4:
        raise EngineError(ErrorKind.MODEL_INVALID, f"{path.name} is not a tiny VAE decoder")
    vae: Any = AutoencoderTiny(latent_channels=int(first.shape[1]))  # madebyollin's architecture
    missing, unexpected = vae.load_state_dict(state, strict=False)
    if unexpected or any(k.startswith("decoder.") for k in missing):
        raise EngineError(
            ErrorKind.MODEL_INVALID,
            f"{path.name} is not a TAESD-style tiny VAE (its tensors do not fit AutoencoderTiny)",
        )
    return vae
