"""CLIP score with transformers' CLIP, the model found offline (a folder or the local HF cache).

The score of a picture and a text is ``max(100 * cos(image embedding, text embedding), 0)``,
as in Hessel et al. (2021) and torchmetrics' ``CLIPScore``; a set's score is the mean.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from f1studio.evaluation.errors import EvaluationError

#: The usual CLIP for CLIP scores (ViT-L/14), used when it is in the Hugging Face cache.
DEFAULT_CLIP = "openai/clip-vit-large-patch14"


def resolve_clip(reference: str) -> Path:
    """The local folder of CLIP model ``reference`` (a folder, or a hub id already in the
    Hugging Face cache: nothing is downloaded); :class:`EvaluationError` when it is neither."""
    path = Path(reference).expanduser()
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise EvaluationError(f"CLIP model {reference}: the folder has no config.json")
        return path
    from huggingface_hub import snapshot_download

    try:
        return Path(snapshot_download(reference, local_files_only=True))
    except Exception:  # noqa: BLE001 - not cached, not a valid id: the same answer
        raise EvaluationError(
            f"CLIP model {reference} is neither a folder nor in the Hugging Face cache "
            "(give --clip-model a local CLIP folder)"
        ) from None


def torch_device(device: str) -> str:
    """``auto`` -> ``cuda`` when there is one, else ``cpu``; any other name as it is."""
    if device != "auto":
        return device
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


class ClipScorer:
    """Embeds pictures and texts with one CLIP model; scores them against each other."""

    def __init__(self, reference: str, device: str = "auto") -> None:
        import torch
        from transformers import CLIPModel, CLIPTokenizer

        self.reference = reference
        self.folder = resolve_clip(reference)
        self.device = torch_device(device)
        try:
            model: Any = CLIPModel.from_pretrained(str(self.folder))
            self.model = model.to(self.device).eval()
            self.tokenizer = CLIPTokenizer.from_pretrained(str(self.folder))
        except (OSError, ValueError) as e:
            raise EvaluationError(f"CLIP model {reference} could not be loaded: {e}") from None
        self.processor = _processor_of(self.folder, self.model.config.vision_config.image_size)
        self.max_tokens = int(self.model.config.text_config.max_position_embeddings)
        self._torch = torch

    def image_embeddings(self, images: Sequence[np.ndarray], batch: int = 16) -> np.ndarray:
        """Unit-length embeddings (N x D) of RGB uint8 pictures."""
        out = []
        with self._torch.inference_mode():
            for start in range(0, len(images), batch):
                chunk = [np.ascontiguousarray(i[..., :3]) for i in images[start : start + batch]]
                pixels = self.processor(images=chunk, return_tensors="pt")["pixel_values"]
                pooled = self.model.vision_model(
                    pixel_values=pixels.to(self.device, self.model.dtype)
                ).pooler_output
                out.append(self.model.visual_projection(pooled).float().cpu().numpy())
        return _unit(np.concatenate(out)) if out else np.zeros((0, 0), np.float32)

    def text_embeddings(self, texts: Sequence[str], batch: int = 32) -> np.ndarray:
        """Unit-length embeddings (N x D) of texts (cut at CLIP's 77 tokens)."""
        out = []
        with self._torch.inference_mode():
            for start in range(0, len(texts), batch):
                tokens = self.tokenizer(
                    list(texts[start : start + batch]),
                    padding=True,
                    truncation=True,
                    max_length=self.max_tokens,
                    return_tensors="pt",
                ).to(self.device)
                pooled = self.model.text_model(
                    input_ids=tokens["input_ids"], attention_mask=tokens["attention_mask"]
                ).pooler_output
                out.append(self.model.text_projection(pooled).float().cpu().numpy())
        return _unit(np.concatenate(out)) if out else np.zeros((0, 0), np.float32)

    def scores(self, images: Sequence[np.ndarray], texts: Sequence[str]) -> np.ndarray:
        """CLIP score of each picture with its own text (element-wise pairs)."""
        if len(images) != len(texts):
            raise ValueError(f"{len(images)} pictures but {len(texts)} texts")
        if not images:
            return np.zeros(0, np.float32)
        return clip_scores(self.image_embeddings(images), self.text_embeddings(texts))

    def score_matrix(self, images: Sequence[np.ndarray], texts: Sequence[str]) -> np.ndarray:
        """CLIP score of every picture (rows) with every text (columns)."""
        cos = self.image_embeddings(images) @ self.text_embeddings(texts).T
        return np.maximum(100.0 * cos, 0.0)


def clip_scores(image_embeddings: np.ndarray, text_embeddings: np.ndarray) -> np.ndarray:
    """``max(100 * cos, 0)`` per row pair of two embedding arrays."""
    cos = np.sum(_unit(image_embeddings) * _unit(text_embeddings), axis=1)
    return np.maximum(100.0 * cos, 0.0)


def _unit(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, np.float64)
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-12)


def _processor_of(folder: Path, size: int) -> Any:
    """The folder's own CLIP image processor (Pillow-backed where transformers has one), or
    CLIP's usual one at the model's input size."""
    try:
        from transformers import CLIPImageProcessorPil as Processor  # transformers >= 5
    except ImportError:
        from transformers import CLIPImageProcessor as Processor  # type: ignore[assignment]
    if (folder / "preprocessor_config.json").is_file():
        return Processor.from_pretrained(str(folder))
    return Processor(size={"shortest_edge": size}, crop_size={"height": size, "width": size})
