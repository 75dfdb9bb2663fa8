"""Few-step LoRAs come with their sampler settings."""

from __future__ import annotations

import pytest

from f1studio.document.document import Document
from f1studio.document.fast_presets import apply_preset, preset_for


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (
            "hub/models--latent-consistency--lcm-lora-sdv1-5/snapshots/a/pytorch_lora_weights.safetensors",
            ("lcm", 6, 1.5),
        ),
        ("/loras/Hyper-SD15-8steps-lora.safetensors", ("tcd", 8, 1.0)),
        ("/loras/Hyper-SDXL-8steps-CFG-lora.safetensors", ("tcd", 8, 5.0)),
        ("/loras/Hyper-FLUX.1-dev-8steps-lora.safetensors", ("flow-euler", 8, 3.5)),
        ("/loras/sdxl_lightning_4step_lora.safetensors", ("euler-trailing", 4, 1.0)),
        ("/loras/TCD-SDXL-LoRA.safetensors", ("tcd", 4, 1.0)),
        ("/loras/FLUX.1-Turbo-Alpha.safetensors", ("flow-euler", 8, 3.5)),
    ],
)
def test_few_step_loras_are_told_from_their_names(path, expected) -> None:
    preset = preset_for(path)
    assert preset is not None
    assert (preset.scheduler, preset.steps, preset.guidance_scale) == expected


@pytest.mark.parametrize(
    "path", ["/loras/ink style.safetensors", "/loras/hyperrealism.safetensors"]
)
def test_other_loras_have_no_preset(path) -> None:
    assert preset_for(path) is None


def test_a_preset_sets_the_sampler_steps_guidance_and_live_steps() -> None:
    doc = Document(64, 64)
    preset = preset_for("/l/sdxl_lightning_4step_lora.safetensors")
    assert preset is not None
    apply_preset(doc, preset)
    s = doc.settings
    assert (s.scheduler, s.steps, s.guidance_scale, s.live_steps) == ("euler-trailing", 4, 1.0, 4)
    assert "4 steps of euler-trailing" in preset.describe()
