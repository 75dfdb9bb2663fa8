"""Textual-inversion embeddings on a loaded pipeline: each ``EmbeddingSpec`` of a request is a
new word for the text encoder(s), loaded once through diffusers' ``load_textual_inversion``
and dropped again when a request no longer names it (tokenizing prompts without it is then as
before: a render is unchanged).

File forms: AUTOMATIC1111's (``emb_params``), diffusers' (one tensor under the token's name)
and SDXL's (``clip_l`` and ``clip_g``, one per text encoder). A file whose vectors do not fit
the model's text encoder is one line naming what it is for.
"""

from __future__ import annotations

import weakref
from pathlib import Path
from typing import Any

from f1studio.engine.events import EngineError, ErrorKind
from f1studio.engine.families.base import LoadedModel
from f1studio.engine.family_table import ModelFamily
from f1studio.engine.request import EmbeddingSpec, GenerationRequest

_WIDTHS = {768: "Stable Diffusion 1.5", 1024: "Stable Diffusion 2", 1280: "SDXL"}
# per pipeline: token -> ((file, size, mtime), the words it added) of what is loaded under it
_LOADED: weakref.WeakKeyDictionary[Any, dict[str, tuple[tuple, list[str]]]] = (
    weakref.WeakKeyDictionary()
)


def _key(path: Path) -> tuple:
    stat = path.stat()
    return (str(path.resolve()), stat.st_size, stat.st_mtime_ns)


def _encoders(pipe: Any) -> list[tuple[str, Any, Any]]:
    """(name in SDXL files, tokenizer, text encoder) of each CLIP text encoder."""
    out = [("clip_l", pipe.tokenizer, pipe.text_encoder)]
    if getattr(pipe, "text_encoder_2", None) is not None:
        out.append(("clip_g", pipe.tokenizer_2, pipe.text_encoder_2))
    return out


def _read(spec: EmbeddingSpec, allow_pickle: bool) -> tuple[Path, dict[str, Any]]:
    path = Path(spec.path).expanduser()
    if not path.is_file():
        raise EngineError(ErrorKind.MODEL_NOT_FOUND, f"embedding file not found: {path}")
    if path.suffix.lower() != ".safetensors":
        raise EngineError(
            ErrorKind.UNSAFE_WEIGHTS,
            f"{path.name}: only .safetensors embeddings are read (a pickled one can run code)",
        )
    from safetensors.torch import load_file

    try:
        return path, load_file(str(path))
    except Exception as e:  # noqa: BLE001 - a damaged file is one line
        raise EngineError(
            ErrorKind.MODEL_INVALID, f"{path.name} is not a readable embedding (damaged?)"
        ) from e


def _vectors(name: str, tensors: dict[str, Any], part: str, width: int) -> Any:
    """The embedding's vectors for the text encoder ``part`` of width ``width``."""
    if part in tensors:
        found = tensors[part]
    elif "emb_params" in tensors:
        found = tensors["emb_params"]
    elif len(tensors) == 1:
        found = next(iter(tensors.values()))
    else:
        found = None
    if found is None or found.ndim not in (1, 2) or found.shape[-1] != width:
        size = None if found is None else int(found.shape[-1])
        what = _WIDTHS.get(size or 0, "another model") if size else "another model"
        if part == "clip_g" and found is None:
            what = "Stable Diffusion 1.5 (it has no SDXL vectors)"
        raise EngineError(ErrorKind.MODEL_INVALID, f"{name} is an embedding for {what}")
    return found.reshape(-1, width)


def apply_embeddings(request: GenerationRequest, model: LoadedModel) -> None:
    """Load the request's embeddings on ``model`` and drop the ones it no longer names."""
    pipe = model.pipe
    loaded = _LOADED.setdefault(pipe, {})
    wanted = {e.token: e for e in request.embeddings}
    if wanted and model.family == ModelFamily.FLUX:
        raise EngineError(
            ErrorKind.BAD_REQUEST,
            "textual-inversion embeddings work on Stable Diffusion 1.5 and SDXL, not FLUX.1: "
            f"take {next(iter(wanted))} out of the prompt",
        )
    for token in list(loaded):
        spec = wanted.get(token)
        key, old_words = loaded[token]
        path = Path(spec.path).expanduser() if spec is not None else None
        if path is None or not path.is_file() or _key(path) != key:
            for _, tokenizer, encoder in _encoders(pipe):
                pipe.unload_textual_inversion(
                    tokens=old_words, tokenizer=tokenizer, text_encoder=encoder
                )
            del loaded[token]
    for token, spec in wanted.items():
        if token in loaded:
            continue
        path, tensors = _read(spec, request.allow_pickle)
        parts = [
            (
                tokenizer,
                encoder,
                _vectors(path.stem, tensors, part, encoder.get_input_embeddings().weight.shape[1]),
            )
            for part, tokenizer, encoder in _encoders(pipe)
        ]
        words: list[str] = []
        for tokenizer, encoder, vectors in parts:
            if token in tokenizer.get_vocab():
                raise EngineError(
                    ErrorKind.BAD_REQUEST,
                    f"the embedding name {token!r} is already a word of the model: rename the file",
                )
            before = set(tokenizer.get_vocab())
            vectors = vectors.to(dtype=encoder.dtype, device=encoder.device)
            pipe.load_textual_inversion(
                vectors, token=token, tokenizer=tokenizer, text_encoder=encoder
            )
            words = sorted(set(tokenizer.get_vocab()) - before)  # the token, token_1, ...
        loaded[token] = (_key(path), words)
