"""The inpaint ControlNet: chosen per family in the settings (``f1studio config
--inpaint-controlnet``), picked for SD1.5 models and the demo model (its own), and carried on
the inpaint part of the requests the window, live mode and ``f1studio render`` build."""

from __future__ import annotations

import numpy as np
import pytest

from f1studio.appsettings import AppSettings
from f1studio.demo import model as demo
from f1studio.document.build import build_request
from f1studio.document.document import Document
from f1studio.document.layers import LayerKind
from f1studio.engine.request import GenerationRequest
from f1studio.model_library import inpaint_controlnet_for


@pytest.fixture(autouse=True)
def _own_config(tmp_path, monkeypatch):
    monkeypatch.setenv("F1STUDIO_CONFIG_DIR", str(tmp_path / "config"))


def _masked_doc() -> Document:
    doc = Document(64, 64, prompt="a red car")
    mask = np.zeros((64, 64), np.uint8)
    mask[10:30, 10:40] = 255
    doc.add_layer(LayerKind.INPAINT, name="Mask", data=mask)
    return doc


def test_inpaint_controlnets_are_saved_per_family() -> None:
    chosen = AppSettings().with_inpaint_controlnet("sd15", " lllyasviel/control_v11p_sd15_inpaint ")
    chosen.save()
    assert AppSettings.load().inpaint_controlnets == {
        "sd15": "lllyasviel/control_v11p_sd15_inpaint"
    }
    assert chosen.with_inpaint_controlnet("sd15", None).inpaint_controlnets == {}
    with pytest.raises(ValueError, match="inpaint_controlnets"):
        AppSettings(inpaint_controlnets=["x"])  # type: ignore[arg-type]


def test_config_sets_and_removes_an_inpaint_controlnet(capsys) -> None:
    from f1studio.cli import main

    assert main(["config", "--inpaint-controlnet", "sd15=/nets/inpaint"]) == 0
    assert AppSettings.load().inpaint_controlnets == {"sd15": "/nets/inpaint"}
    assert main(["config", "--inpaint-controlnet", "sd15="]) == 0
    assert AppSettings.load().inpaint_controlnets == {}


def test_the_inpaint_controlnet_is_for_sd15_models(tiny_models, tiny_sdxl) -> None:
    settings = AppSettings(inpaint_controlnets={"sd15": "/nets/inpaint", "sdxl": "/nets/xl"})
    assert inpaint_controlnet_for(str(tiny_models["pipeline"]), settings) == "/nets/inpaint"
    # SDXL has no inpaint ControlNet of ControlNet 1.1's kind: masked re-noising alone
    assert inpaint_controlnet_for(str(tiny_sdxl["pipeline"]), settings) is None
    assert inpaint_controlnet_for(str(tiny_models["pipeline"]), AppSettings()) is None
    assert inpaint_controlnet_for(None, settings) is None


def test_the_demo_model_inpaints_with_its_own_controlnet() -> None:
    shipped = demo.demo_model()
    assert shipped is not None
    own = demo.DEMO_ROOT / demo.INPAINT_CONTROLNET_FOLDER
    assert (own / "config.json").is_file()
    for settings in (AppSettings(), AppSettings(inpaint_controlnets={"sd15": "/x"})):
        assert inpaint_controlnet_for(shipped.pipeline, settings) == str(own)


def test_the_request_carries_it_only_with_an_inpaint_mask() -> None:
    doc = _masked_doc()
    request = build_request(doc, model="m", inpaint_controlnet="/nets/inpaint")
    assert request.inpaint is not None and request.inpaint.controlnet == "/nets/inpaint"
    payload, images = request.to_json()
    again = GenerationRequest.from_json(payload, images)
    assert again == request
    plain = Document(64, 64, prompt="a red car")
    assert build_request(plain, model="m", inpaint_controlnet="/nets/inpaint").inpaint is None
    assert build_request(doc, model="m").inpaint.controlnet is None


def test_window_and_live_requests_use_the_models_inpaint_controlnet(tiny_models) -> None:
    from f1studio.gui.live import live_request

    doc = _masked_doc()
    settings = AppSettings(
        base=str(tiny_models["pipeline"]),
        device="cpu",
        inpaint_controlnets={"sd15": str(tiny_models["controlnet-edge"])},
    )
    request = live_request(doc, settings)
    assert request.inpaint is not None
    assert request.inpaint.controlnet == str(tiny_models["controlnet-edge"])
    assert np.array_equal(request.inpaint.mask.array(), doc.layers[-1].data)
