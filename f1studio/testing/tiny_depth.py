"""A tiny random-weight Depth Anything estimator for tests, benchmarks and smoke runs.

The folder it writes loads offline with ``AutoImageProcessor`` and
``AutoModelForDepthEstimation`` exactly like a real Depth Anything V2 checkpoint
(safetensors weights, DPT image processor config), but has ~75k parameters.
"""

from __future__ import annotations

import json
from pathlib import Path

IMAGE_SIZE = 56  # four 14-pixel patches per side
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def _processor_config() -> dict[str, object]:
    """The preprocessor config of Depth Anything V2, scaled down to ``IMAGE_SIZE``."""
    return {
        "image_processor_type": "DPTImageProcessor",
        "do_resize": True,
        "size": {"height": IMAGE_SIZE, "width": IMAGE_SIZE},
        "keep_aspect_ratio": True,
        "ensure_multiple_of": 14,
        "resample": 3,  # bicubic
        "do_rescale": True,
        "rescale_factor": 1 / 255,
        "do_normalize": True,
        "image_mean": list(IMAGENET_MEAN),
        "image_std": list(IMAGENET_STD),
        "do_pad": False,
    }


def build_tiny_depth_estimator(out_dir: str | Path, seed: int = 0) -> Path:
    """Write a deterministic tiny Depth Anything model to ``out_dir`` and return the folder.

    Convolutions and linear layers get PyTorch's default init (transformers' 0.02 normal
    init makes the output vanish under the head's ReLUs) and the last head bias is 1, so the
    predicted depth is positive and varies with the image.
    """
    import torch
    from transformers import DepthAnythingConfig, DepthAnythingForDepthEstimation, Dinov2Config

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    backbone = Dinov2Config(
        image_size=IMAGE_SIZE,
        patch_size=14,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        # transformers 5 types the config's fields only; __post_init__ reads out_indices
        out_indices=[1, 2],  # type: ignore[call-arg]
        reshape_hidden_states=False,
    )
    config = DepthAnythingConfig(
        backbone_config=backbone,
        patch_size=14,
        reassemble_hidden_size=32,
        reassemble_factors=[2, 1],
        neck_hidden_sizes=[16, 32],
        fusion_hidden_size=16,
        head_hidden_size=8,
        depth_estimation_type="relative",
    )
    torch.manual_seed(seed)
    model = DepthAnythingForDepthEstimation(config).eval()
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, (torch.nn.Conv2d, torch.nn.ConvTranspose2d, torch.nn.Linear)):
                module.reset_parameters()
        model.head.conv3.bias.fill_(1.0)
    model.save_pretrained(out, safe_serialization=True)
    text = json.dumps(_processor_config(), indent=2, sort_keys=True)
    (out / "preprocessor_config.json").write_text(text + "\n", encoding="utf-8")
    return out
