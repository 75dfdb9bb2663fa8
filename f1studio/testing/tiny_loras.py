"""Tiny random LoRAs (and textual-inversion embeddings) for the tiny pipelines, in the file
formats people have.

- ``diffusers``: PEFT keys (``unet.<module>.lora_A.weight`` / ``lora_B``) as diffusers'
  ``save_lora_weights`` writes them, for the denoiser and the text encoder(s).
- ``kohya``: the same weights as kohya's sd-scripts / AUTOMATIC1111 write them
  (``lora_unet_<module_with_underscores>.lora_down.weight`` / ``lora_up`` / ``alpha``, text
  encoders ``lora_te_`` on SD1.5 and ``lora_te1_`` / ``lora_te2_`` on SDXL). ``alpha`` may
  differ from the rank: the file's strength is then ``alpha / rank`` and its diffusers twin has
  the B matrices scaled by that.

The weights are random but large enough to change a tiny render visibly.

    python -m f1studio.testing.tiny_loras PIPELINE OUT --format kohya
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

# the attention projections every LoRA trainer targets, per part
_DENOISER_TARGETS = ("to_q", "to_k", "to_v", "to_out.0", "add_q_proj", "add_k_proj", "add_v_proj")
_TEXT_TARGETS = ("q_proj", "k_proj", "v_proj", "out_proj")
# diffusers prefix, kohya prefix (SD1.5, SDXL) of each part
_PARTS = {
    "unet": ("unet", "lora_unet"),
    "transformer": ("transformer", None),
    "text_encoder": ("text_encoder", "lora_te"),
    "text_encoder_2": ("text_encoder_2", "lora_te2"),
}


def _targets(model: Any, names: tuple[str, ...]) -> list[tuple[str, Any]]:
    import torch

    return [
        (name, module)
        for name, module in model.named_modules()
        if isinstance(module, torch.nn.Linear) and any(name.endswith("." + n) for n in names)
    ]


def lora_weights(
    pipe: Any, rank: int = 4, seed: int = 0, scale: float = 1.0, text: bool = True
) -> dict[str, dict[str, tuple[Any, Any]]]:
    """{part: {module name: (A (rank, in), B (out, rank))}} random LoRA matrices for the
    denoiser and (with ``text``) the text encoders of ``pipe``; ``scale`` sizes B."""
    import torch

    generator = torch.Generator().manual_seed(seed)
    out: dict[str, dict[str, tuple[Any, Any]]] = {}
    for part in _PARTS:
        model = getattr(pipe, part, None)
        if model is None or (part.startswith("text") and not text):
            continue
        names = _TEXT_TARGETS if part.startswith("text") else _DENOISER_TARGETS
        out[part] = {}
        for name, linear in _targets(model, names):
            a = torch.randn(rank, linear.in_features, generator=generator) / linear.in_features**0.5
            b = torch.randn(linear.out_features, rank, generator=generator) * 0.5 * scale
            out[part][name] = (a, b)
    return out


def diffusers_state_dict(weights: dict, strength: float = 1.0) -> dict[str, Any]:
    """The PEFT/diffusers keys; ``strength`` scales B (the twin of a kohya alpha/rank)."""
    state = {}
    for part, modules in weights.items():
        for name, (a, b) in modules.items():
            state[f"{_PARTS[part][0]}.{name}.lora_A.weight"] = a.contiguous()
            state[f"{_PARTS[part][0]}.{name}.lora_B.weight"] = (b * strength).contiguous()
    return state


def kohya_state_dict(weights: dict, alpha: float | None = None, sdxl: bool = False) -> dict:
    """kohya / AUTOMATIC1111 keys. ``alpha`` (default: the rank) is stored per module."""
    import torch

    state = {}
    for part, modules in weights.items():
        prefix = _PARTS[part][1]
        if prefix is None:
            raise ValueError(f"no kohya naming for {part} here")
        if sdxl and part == "text_encoder":
            prefix = "lora_te1"
        for name, (a, b) in modules.items():
            key = f"{prefix}_{name.replace('.', '_')}"
            state[f"{key}.lora_down.weight"] = a.contiguous()
            state[f"{key}.lora_up.weight"] = b.contiguous()
            state[f"{key}.alpha"] = torch.tensor(float(alpha if alpha else a.shape[0]))
    return state


def write_lora(
    pipe: Any,
    path: Path,
    form: str = "diffusers",
    rank: int = 4,
    seed: int = 0,
    alpha: float | None = None,
    text: bool = True,
    metadata: dict[str, str] | None = None,
) -> Path:
    """Write one tiny LoRA for ``pipe`` as a ``.safetensors`` file in ``form``."""
    from safetensors.torch import save_file

    weights = lora_weights(pipe, rank=rank, seed=seed, text=text)
    if form == "diffusers":
        state = diffusers_state_dict(weights, (alpha or rank) / rank)
    elif form == "kohya":
        state = kohya_state_dict(weights, alpha, sdxl=hasattr(pipe, "text_encoder_2"))
    else:
        raise ValueError(f"unknown LoRA form {form!r}: diffusers or kohya")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_file(state, str(path), metadata=metadata)
    return path


def main(argv: list[str] | None = None) -> int:
    from diffusers import DiffusionPipeline

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pipeline", type=Path)
    parser.add_argument("out", type=Path, help="the .safetensors file to write")
    parser.add_argument("--format", choices=("diffusers", "kohya"), default="diffusers")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    pipe = DiffusionPipeline.from_pretrained(str(args.pipeline))
    print(write_lora(pipe, args.out, args.format, seed=args.seed))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


def write_embedding(pipe: Any, path: Path, vectors: int = 2, seed: int = 0) -> Path:
    """A tiny random textual-inversion embedding of ``vectors`` vectors for ``pipe``'s text
    encoder(s): AUTOMATIC1111's ``emb_params`` for one encoder, ``clip_l``/``clip_g`` for
    SDXL's two. The vectors are large enough to change a render."""
    import torch
    from safetensors.torch import save_file

    generator = torch.Generator().manual_seed(seed)

    def random_vectors(encoder: Any) -> Any:
        width = encoder.get_input_embeddings().weight.shape[1]
        return torch.randn(vectors, width, generator=generator) * 2.0

    if getattr(pipe, "text_encoder_2", None) is not None:
        state = {
            "clip_l": random_vectors(pipe.text_encoder),
            "clip_g": random_vectors(pipe.text_encoder_2),
        }
    else:
        state = {"emb_params": random_vectors(pipe.text_encoder)}
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_file(state, str(path))
    return path
