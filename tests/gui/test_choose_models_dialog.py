"""Choose models by hand (Model ▸ Choose models…): one field per model slot."""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6")

from f1studio.appsettings import AppSettings  # noqa: E402
from f1studio.gui.choose_models_dialog import ChooseModelsDialog  # noqa: E402


def test_fields_per_slot_edit_the_settings(qtbot):
    settings = AppSettings(
        base="org/sd15", controlnets={"depth": "/nets/depth"}, model_folders=["/models"]
    )
    dialog = ChooseModelsDialog(settings)
    qtbot.addWidget(dialog)
    assert list(dialog.fields) == ["base", "edge_controlnet", "depth_controlnet", "depth_estimator"]
    assert dialog.fields["base"].value() == "org/sd15"
    assert dialog.fields["edge_controlnet"].value() is None
    assert "lllyasviel/control_v11p_sd15_canny" in (
        dialog.fields["edge_controlnet"].edit.placeholderText()
    )
    assert dialog.fields["depth_controlnet"].value() == "/nets/depth"
    dialog.fields["edge_controlnet"].edit.setText(" /nets/canny ")
    dialog.fields["depth_controlnet"].edit.setText("")
    dialog.device.setCurrentText("cpu")
    dialog.allow_pickle.setChecked(True)
    chosen = dialog.result_settings()
    assert chosen.controlnets == {"edge": "/nets/canny"} and chosen.base == "org/sd15"
    assert (chosen.device, chosen.allow_pickle, chosen.model_folders) == ("cpu", True, ["/models"])
    assert settings.controlnets == {"depth": "/nets/depth"}  # the settings given are not changed


def test_ip_adapters_are_chosen_per_family(qtbot):
    settings = AppSettings(ip_adapters={"sd15": "/ipa/ip-adapter_sd15.safetensors"})
    dialog = ChooseModelsDialog(settings)
    qtbot.addWidget(dialog)
    assert list(dialog.ip_fields) == ["sd15", "sdxl", "flux"]  # FLUX.1: its Redux folder
    assert dialog.ip_fields["sd15"].value() == "/ipa/ip-adapter_sd15.safetensors"
    dialog.ip_fields["sd15"].edit.setText("")
    dialog.ip_fields["sdxl"].edit.setText(" /ipa/sdxl.safetensors ")
    dialog.ip_fields["flux"].edit.setText("/models/FLUX.1-Redux-dev")
    assert dialog.result_settings().ip_adapters == {
        "sdxl": "/ipa/sdxl.safetensors",
        "flux": "/models/FLUX.1-Redux-dev",
    }


def test_the_sd15_inpaint_controlnet_is_chosen_in_the_dialog(qtbot):
    settings = AppSettings(inpaint_controlnets={"sd15": "/nets/old-inpaint"})
    dialog = ChooseModelsDialog(settings)
    qtbot.addWidget(dialog)
    assert dialog.inpaint_field.value() == "/nets/old-inpaint"
    dialog.inpaint_field.edit.setText(" lllyasviel/control_v11p_sd15_inpaint ")
    chosen = dialog.result_settings()
    assert chosen.inpaint_controlnets == {"sd15": "lllyasviel/control_v11p_sd15_inpaint"}
    dialog.inpaint_field.edit.setText("")
    assert dialog.result_settings().inpaint_controlnets == {}
