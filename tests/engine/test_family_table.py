"""One table of families, variants and their defaults: the engine and the window read the same
figures, and a family's adapter is imported only when the family is first used."""

from __future__ import annotations

import subprocess
import sys
from types import SimpleNamespace

import pytest

from f1studio.engine.families.base import adapter_for
from f1studio.engine.families.flux_loading import default_steps, text_tokens
from f1studio.engine.family_table import ADAPTERS, ModelFamily
from f1studio.gui.family_defaults import DEFAULTS, defaults_for


@pytest.mark.parametrize("family", list(ModelFamily))
def test_every_family_has_an_adapter_of_its_own(family):
    assert family.is_supported and family in ADAPTERS
    assert adapter_for(family).family is family


@pytest.mark.parametrize(
    ("family", "variant", "label", "steps", "guidance_used"),
    [
        ("sd15", None, "Stable Diffusion 1.5", 25, True),
        ("sd15", "inpainting", "Stable Diffusion 1.5", 25, True),
        ("sd15", "demo", "shapes-world demo", 20, True),
        ("sdxl", "refiner", "SDXL", 30, True),
        ("flux", "dev", "FLUX.1 dev", 28, True),
        ("flux", "fill", "FLUX.1 Fill", 28, True),
        ("flux", "schnell", "FLUX.1 schnell", 4, False),
        ("flux", "control", "FLUX.1 dev", 28, True),  # unknown variants run as dev
        ("flux", None, "FLUX.1 dev", 28, True),
    ],
)
def test_the_window_reads_the_engines_defaults(family, variant, label, steps, guidance_used):
    found = defaults_for(family, variant)
    assert found is not None
    assert (found.label, found.steps, found.guidance_used) == (label, steps, guidance_used)
    if family == "flux":
        assert default_steps(variant or "dev") == steps  # what the FLUX.1 loader says


def test_unknown_families_have_no_defaults():
    assert defaults_for(None, None) is None and defaults_for("sd3", None) is None
    assert DEFAULTS[("sd15", "demo")].guidance == 5.0


@pytest.mark.parametrize(
    ("config", "limit", "tokens"),
    [
        ({"in_channels": 64, "guidance_embeds": False}, 512, 256),  # schnell
        ({"in_channels": 64, "guidance_embeds": True}, 512, 512),  # dev
        ({"in_channels": 384, "out_channels": 64, "guidance_embeds": True}, 512, 512),  # Fill
        ({"in_channels": 64, "guidance_embeds": True}, 77, 77),  # the tokenizer's own limit
    ],
)
def test_t5_prompt_length_comes_from_the_table(config, limit, tokens):
    pipe = SimpleNamespace(
        transformer=SimpleNamespace(config=config),
        tokenizer_2=SimpleNamespace(model_max_length=limit),
    )
    assert text_tokens(pipe) == tokens


def test_the_table_and_the_windows_reader_import_no_adapter_torch_or_qt():
    code = (
        "import sys\n"
        "from f1studio.engine.families.base import ModelFamily\n"
        "from f1studio.gui.family_defaults import defaults_for\n"
        "assert ModelFamily.FLUX.is_supported and defaults_for('flux', 'schnell').steps == 4\n"
        "loaded = [m for m in ('torch', 'PySide6', 'f1studio.engine.families.flux') "
        "if m in sys.modules]\n"
        "print(loaded)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
