"""Live mode renders the demo model with its own few-step LoRA: 4-8 steps without guidance
that keep what its 20-step renders get right. The live panel shows the choice only for a
model that has such a LoRA."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from f1studio.appsettings import AppSettings
from f1studio.demo import model as demo
from f1studio.document.document import Document
from f1studio.document.layers import LayerKind
from f1studio.document.loras import LoraEntry
from f1studio.engine.request import LoraSpec
from f1studio.gui.family_defaults import DEMO_LIVE, apply_live_defaults
from f1studio.gui.live import live_request
from f1studio.model_library import few_step_lora_for

DEMO_PIPELINE = str(demo.DEMO_ROOT / "pipeline")


def _demo_doc() -> Document:
    doc = Document(128, 128, prompt="a large red circle in the centre, on a blue background")
    doc.add_layer(LayerKind.PAINT, name="Sketch")
    apply_live_defaults(doc, DEMO_PIPELINE)
    doc.history.clear()
    return doc


def test_the_demo_model_ships_a_few_step_lora_for_live_mode():
    fast = few_step_lora_for(DEMO_PIPELINE)
    assert fast is not None and Path(fast.path).is_file()
    assert fast.path.endswith(".safetensors") and fast.guidance == 1.0
    assert (fast.scheduler, fast.steps) == ("dpmpp-2m", 4)


def test_other_models_have_none(tiny_models):
    assert few_step_lora_for(str(tiny_models["pipeline"])) is None
    assert few_step_lora_for(None) is None


def test_live_renders_the_demo_model_with_its_lora_at_its_guidance_and_keeps_the_users_loras(
    tmp_path,
):
    doc = _demo_doc()
    fast = few_step_lora_for(DEMO_PIPELINE)
    app = AppSettings(device="cpu")  # no model chosen: the demo model
    request = live_request(doc, app)
    assert request.loras == (LoraSpec(fast.path),)
    assert (request.guidance_scale, request.scheduler) == (fast.guidance, fast.scheduler)
    assert request.steps == doc.settings.live_steps == DEMO_LIVE.steps
    own = tmp_path / "style.safetensors"
    own.write_bytes(b"")
    doc.set_setting("loras", (LoraEntry(str(own), 0.5),))
    assert live_request(doc, app).loras == (LoraSpec(str(own), 0.5), LoraSpec(fast.path))
    doc.set_setting("live_few_step", False)  # the live panel's box unticked: as before
    plain = live_request(doc, app)
    assert plain.loras == (LoraSpec(str(own), 0.5),)
    assert plain.guidance_scale == DEMO_LIVE.guidance
    assert plain.scheduler == doc.settings.scheduler


def test_a_damaged_or_missing_preset_means_no_lora(tmp_path):
    root = Path(shutil.copytree(demo.DEMO_ROOT / demo.FEW_STEP_FOLDER, tmp_path / "m" / "few-step"))
    model = root.parent
    assert demo.few_step_lora(model) is not None
    preset = root / demo.FEW_STEP_PRESET
    good = json.loads(preset.read_text())
    for bad in ("{", json.dumps({**good, "scheduler": "nope"}), json.dumps({**good, "steps": 0}),
                json.dumps({**good, "guidance": 0.5}), json.dumps({"steps": 4})):  # fmt: skip
        preset.write_text(bad)
        assert demo.few_step_lora(model) is None, bad
    preset.write_text(json.dumps(good))
    (root / demo.FEW_STEP_LORA).unlink()
    assert demo.few_step_lora(model) is None


@pytest.fixture
def demo_window(studio):
    return studio(AppSettings(device="cpu"), _demo_doc())


def test_the_live_panel_offers_the_lora_for_the_demo_model_and_greys_its_guidance(
    qtbot, demo_window, tiny_settings, monkeypatch
):
    win = demo_window
    view = win.live.view
    box, spin = view.few_step_check, view.guidance_spin
    assert not box.isHidden() and box.isChecked()
    assert not spin.isEnabled() and "own guidance (1)" in spin.toolTip()
    assert spin.value() == 1.0 and win.doc.settings.live_guidance == DEMO_LIVE.guidance
    box.click()
    assert win.doc.settings.live_few_step is False
    assert spin.isEnabled() and spin.value() == DEMO_LIVE.guidance
    box.click()
    assert win.doc.settings.live_few_step is True and not spin.isEnabled()
    # the user chooses a model of their own: the box goes, the guidance box is theirs again
    monkeypatch.setattr(win.live.controller, "_settings", lambda: tiny_settings)
    win.live.controller.settings_changed()
    assert box.isHidden() and spin.isEnabled()


@pytest.mark.slow
def test_a_full_render_after_a_live_one_is_untouched_by_the_lora(engine_cache):
    """Live renders with the LoRA and Generate without it share the loaded model: the full
    render is bit-identical before and after a live render, and live renders repeat."""
    import numpy as np

    from f1studio.document.build import build_request
    from f1studio.engine.runner import run

    doc = _demo_doc()
    doc.set_setting("steps", 8)
    app = AppSettings(device="cpu")
    full = build_request(doc, model=DEMO_PIPELINE, device="cpu")
    assert full.loras == ()
    live = live_request(doc, app)
    before = run(full, cache=engine_cache).images[0]
    first = run(live, cache=engine_cache).images[0]
    after = run(full, cache=engine_cache).images[0]
    again = run(live, cache=engine_cache).images[0]
    assert np.array_equal(before, after) and np.array_equal(first, again)
    assert not np.array_equal(before, first)
