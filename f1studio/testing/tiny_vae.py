"""A random-weight tiny VAE (diffusers' ``AutoencoderTiny``) for tests: madebyollin's TAESD
architecture (1/8 size, 64-channel blocks) with 4 latent channels (SD1.5, SDXL) or 16
(FLUX.1), saved as a diffusers folder with safetensors weights.

    python -m f1studio.testing.tiny_vae OUT [--channels 4|16]
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def build_tiny_vae(out: Path, latent_channels: int = 4, seed: int = 0) -> Path:
    """Save a seeded random ``AutoencoderTiny`` in ``out``; return ``out``. Its last layer is
    rescaled so that random weights give pictures with visible contrast (not one flat grey)."""
    import torch
    from diffusers import AutoencoderTiny

    torch.manual_seed(seed)
    vae: Any = AutoencoderTiny(latent_channels=latent_channels)
    with torch.no_grad():
        last = vae.decoder.layers[-1]
        last.weight.mul_(8.0)
        last.bias.fill_(0.5)
    vae.save_pretrained(str(out), safe_serialization=True)
    return Path(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--channels", type=int, choices=(4, 16), default=4)
    args = parser.parse_args(argv)
    print(build_tiny_vae(args.out, args.channels))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
