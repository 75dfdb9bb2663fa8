"""A tiny CLIP that knows a few colours, and a tiny FID feature extractor (for ``f1studio eval``).

    python -m f1studio.testing.tiny_clip OUT

writes ``OUT/clip`` (a transformers ``CLIPModel`` folder with its tokenizer and image
processor) and ``OUT/fid-features.pt`` (a TorchScript module with the interface of the
Inception network FID uses: ``model(images, return_features=True)`` on 0..255 pictures).

The CLIP starts from random weights and is then trained for a few seconds, contrastively, on
plain noisy pictures of :data:`COLOURS` against their colour words, so that tests can tell a
matching prompt from a mismatching one. Everything is built locally, no network.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

#: The colours the tiny CLIP learns: word -> RGB.
COLOURS: dict[str, tuple[int, int, int]] = {
    "red": (220, 30, 30),
    "green": (30, 200, 40),
    "blue": (30, 40, 220),
    "yellow": (230, 220, 30),
    "black": (10, 10, 10),
    "white": (245, 245, 245),
}
IMAGE_SIZE = 32
FID_DIMS = 16


def colour_picture(word: str, size: int = 48, seed: int = 0, noise: float = 20.0):
    """A ``size``x``size`` RGB uint8 picture of colour ``word`` with a little noise."""
    import numpy as np

    rng = np.random.default_rng(seed)
    base = np.array(COLOURS[word], np.float32)
    pixels = base + rng.normal(0.0, noise, (size, size, 3))
    return np.clip(pixels, 0, 255).astype(np.uint8)


def _train_colours(model, tokenizer, processor, seed: int, steps: int) -> None:
    """A few contrastive steps: each colour's pictures against its word."""
    import torch

    words = list(COLOURS)
    text = tokenizer([f"a {w} picture" for w in words], padding=True, return_tensors="pt")
    optimiser = torch.optim.Adam(model.parameters(), lr=3e-3)
    labels = torch.arange(len(words))
    model.train()
    for step in range(steps):
        pictures = [
            colour_picture(w, seed=seed * 7919 + step * 31 + i) for i, w in enumerate(words)
        ]
        pixels = processor(images=pictures, return_tensors="pt")["pixel_values"]
        image = model.visual_projection(model.vision_model(pixel_values=pixels).pooler_output)
        texts = model.text_projection(
            model.text_model(
                input_ids=text["input_ids"], attention_mask=text["attention_mask"]
            ).pooler_output
        )
        image = image / image.norm(dim=-1, keepdim=True)
        texts = texts / texts.norm(dim=-1, keepdim=True)
        logits = model.logit_scale.exp() * image @ texts.T
        loss = (
            torch.nn.functional.cross_entropy(logits, labels)
            + torch.nn.functional.cross_entropy(logits.T, labels)
        ) / 2
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    model.eval()


def image_processor(size: int = IMAGE_SIZE):
    """CLIP's own preprocessing (shortest side, centre crop, CLIP's mean and std) at ``size``;
    the Pillow-backed class where transformers has one (it needs no torchvision)."""
    try:
        from transformers import CLIPImageProcessorPil as Processor  # transformers >= 5
    except ImportError:
        from transformers import CLIPImageProcessor as Processor  # type: ignore[assignment]
    return Processor(size={"shortest_edge": size}, crop_size={"height": size, "width": size})


def build_tiny_clip(out: Path, seed: int = 0, train_steps: int = 60) -> Path:
    """Write a tiny ``CLIPModel`` (text and vision towers, 16-d projections) to ``out``."""
    import torch
    from transformers import CLIPConfig, CLIPModel, CLIPTokenizer

    from f1studio.testing.tiny_models import write_clip_tokenizer

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    write_clip_tokenizer(out, words=["a", "picture", *COLOURS], whole_words=True)
    tokenizer = CLIPTokenizer.from_pretrained(str(out))
    config = CLIPConfig(
        text_config={
            "vocab_size": len(tokenizer),
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_hidden_layers": 2,
            "num_attention_heads": 4,
            "max_position_embeddings": 77,
            "bos_token_id": tokenizer.bos_token_id,
            "eos_token_id": tokenizer.eos_token_id,
            "pad_token_id": tokenizer.pad_token_id,
        },
        vision_config={
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_hidden_layers": 2,
            "num_attention_heads": 4,
            "image_size": IMAGE_SIZE,
            "patch_size": 8,
        },
        projection_dim=16,
    )
    torch.manual_seed(seed)
    model = CLIPModel(config)
    processor = image_processor()
    if train_steps:
        _train_colours(model, tokenizer, processor, seed, train_steps)
    model.save_pretrained(str(out), safe_serialization=True)
    processor.save_pretrained(str(out))
    return out


def build_tiny_fid_extractor(path: Path, seed: int = 0, dims: int = FID_DIMS) -> Path:
    """Write a TorchScript feature extractor with the FID Inception interface to ``path``:
    two random convolutions and a global average, ``dims`` features per picture."""
    import torch

    class TinyFeatures(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.first = torch.nn.Conv2d(3, 8, 3, stride=2, padding=1)
            self.second = torch.nn.Conv2d(8, dims, 3, stride=2, padding=1)

        def forward(self, images: torch.Tensor, return_features: bool = False) -> torch.Tensor:
            x = images / 127.5 - 1.0
            x = torch.relu(self.first(x))
            x = torch.tanh(self.second(x))
            return x.mean(dim=(2, 3))

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(seed)
    torch.jit.script(TinyFeatures().eval()).save(str(path))
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m f1studio.testing.tiny_clip",
        description="Write a tiny CLIP and a tiny FID feature extractor (no network).",
    )
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    print(f"clip: {build_tiny_clip(args.out / 'clip', args.seed)}")
    print(f"fid-features: {build_tiny_fid_extractor(args.out / 'fid-features.pt', args.seed)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
