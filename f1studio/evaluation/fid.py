"""FID: the Fréchet distance between the feature statistics of two picture sets.

Computed here with numpy (no scipy, torchmetrics or clean-fid: none is a dependency, and each
would download its Inception weights). The features come from a local file or folder:

- a **TorchScript file** with the interface of the Inception network the standard FID uses
  (``inception-2015-12-05.pt``, as clean-fid and StyleGAN's metrics load it:
  ``model(images, return_features=True)`` on N x 3 x 299 x 299 pictures in 0..255); with that
  file the figure is the usual FID;
- a **CLIP folder** (transformers): its unit-length image embeddings (the "FD on CLIP
  features" of Kynkäänniemi et al., 2023), not comparable with Inception FID figures.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from f1studio.evaluation.errors import EvaluationError

#: The input size of the FID Inception network.
INCEPTION_SIZE = 299
PICTURE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".bmp")

Features = Callable[[Sequence[np.ndarray]], np.ndarray]


def frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
    """``|mu_a - mu_b|² + tr(S_a) + tr(S_b) - 2 tr((S_a S_b)^½)`` of two N x D feature sets.

    ``tr((S_a S_b)^½)`` is the sum of the square roots of the eigenvalues of the symmetric
    ``S_a^½ S_b S_a^½`` (same eigenvalues, both positive semi-definite), which stays real and
    stable where a general matrix square root of ``S_a S_b`` does not."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1]:
        raise ValueError(f"feature sets of shapes {a.shape} and {b.shape} do not match")
    if len(a) < 2 or len(b) < 2:
        raise ValueError("FID needs at least two pictures in each set")
    mean = a.mean(axis=0) - b.mean(axis=0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    root_a = _psd_sqrt(cov_a)
    cross = np.linalg.eigvalsh(root_a @ cov_b @ root_a)
    trace_root = float(np.sqrt(np.clip(cross, 0.0, None)).sum())
    value = float(mean @ mean + np.trace(cov_a) + np.trace(cov_b) - 2.0 * trace_root)
    return max(value, 0.0)


def _psd_sqrt(matrix: np.ndarray) -> np.ndarray:
    values, vectors = np.linalg.eigh((matrix + matrix.T) / 2)
    return (vectors * np.sqrt(np.clip(values, 0.0, None))) @ vectors.T


def read_pictures(folder: Path) -> list[np.ndarray]:
    """The RGB pictures in ``folder`` (not its subfolders), by name."""
    from PIL import Image

    folder = Path(folder)
    if not folder.is_dir():
        raise EvaluationError(f"reference folder {folder} does not exist")
    pictures = []
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() not in PICTURE_SUFFIXES:
            continue
        try:
            with Image.open(path) as picture:
                pictures.append(np.asarray(picture.convert("RGB")))
        except OSError as e:
            raise EvaluationError(f"reference picture {path}: {e}") from None
    if len(pictures) < 2:
        raise EvaluationError(
            f"reference folder {folder} holds {len(pictures)} pictures; FID needs at least two"
        )
    return pictures


class TorchScriptFeatures:
    """Features from a TorchScript file with the FID Inception interface (see the module)."""

    def __init__(
        self, path: Path, device: str = "cpu", batch: int = 16, allow_pickle: bool = False
    ) -> None:
        import torch

        self.path = Path(path)
        if not allow_pickle:
            raise EvaluationError(
                f"FID features {path}: a TorchScript file holds pickled data, which is not "
                "loaded unless you allow it (--allow-pickle); or pass a CLIP folder"
            )
        try:
            self.model = torch.jit.load(str(self.path), map_location=device).eval()
        except (RuntimeError, ValueError, OSError) as e:
            first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            raise EvaluationError(
                f"FID features {path}: not a TorchScript model ({first})"
            ) from None
        self.device = device
        self.batch = batch
        self._torch = torch

    def __call__(self, images: Sequence[np.ndarray]) -> np.ndarray:
        from PIL import Image

        out = []
        with self._torch.inference_mode():
            for start in range(0, len(images), self.batch):
                sized = [
                    np.asarray(
                        Image.fromarray(np.ascontiguousarray(i[..., :3])).resize(
                            (INCEPTION_SIZE, INCEPTION_SIZE), Image.Resampling.BICUBIC
                        ),
                        np.float32,
                    )
                    for i in images[start : start + self.batch]
                ]
                x = self._torch.from_numpy(np.stack(sized)).permute(0, 3, 1, 2).to(self.device)
                features = self.model(x, return_features=True)
                out.append(features.reshape(len(sized), -1).float().cpu().numpy())
        return np.concatenate(out)


def feature_extractor(
    source: Path | None, clip: Any, device: str = "cpu", allow_pickle: bool = False
) -> tuple[Features, str]:
    """The features FID uses and how the report names them: ``source`` a TorchScript file
    (read only with ``allow_pickle``) or a CLIP folder; ``None``: the image embeddings of
    ``clip`` (the scorer's CLIP)."""
    if source is None:
        return clip.image_embeddings, f"CLIP image embeddings of {clip.reference}"
    source = Path(source)
    if source.is_file():
        features = TorchScriptFeatures(source, device, allow_pickle=allow_pickle)
        return features, f"TorchScript features of {source.name}"
    if source.is_dir():
        from f1studio.evaluation.clip_score import ClipScorer

        other = ClipScorer(str(source), device)
        return other.image_embeddings, f"CLIP image embeddings of {source}"
    raise EvaluationError(
        f"FID features {source}: no such file or folder (a TorchScript Inception file such as "
        "inception-2015-12-05.pt, or a CLIP folder)"
    )


def fid(features: Features, pictures: Sequence[np.ndarray], reference: np.ndarray) -> float:
    """FID of ``pictures`` against the reference set's features."""
    return frechet_distance(features(pictures), reference)
