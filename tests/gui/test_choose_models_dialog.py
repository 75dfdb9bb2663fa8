"""Choose models by hand (Model ▸ Choose models…): one field per model slot."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtWidgets import QDialog, QDialogButtonBox  # noqa: E402

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


# ---- OK checks the local paths -----------------------------------------------------------------
def damaged_model(root: Path) -> Path:
    """The tester's garbage folder (105 bytes): a ``model_index.json`` naming a UNet whose
    ``config.json`` is not JSON, beside a junk weights file."""
    folder = root / "fakemodel"
    (folder / "unet").mkdir(parents=True)
    (folder / "model_index.json").write_text(
        '{"_class_name": "StableDiffusionPipeline", "unet": ["diffusers", "UNet2DConditionModel"]}\n'
    )
    (folder / "unet" / "config.json").write_text("garbage\n")
    (folder / "unet" / "diffusion_pytorch_model.safetensors").write_text("garbage")
    return folder


@pytest.fixture
def open_dialog(qtbot):
    def make(settings: AppSettings | None = None) -> ChooseModelsDialog:
        dialog = ChooseModelsDialog(settings or AppSettings())
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        return dialog

    return make


def press_ok(qtbot, dialog: ChooseModelsDialog) -> None:
    ok = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)


def stays_open_saying(dialog: ChooseModelsDialog, *words: str) -> str:
    assert dialog.isVisible() and dialog.result() != QDialog.DialogCode.Accepted
    assert dialog.message.isVisibleTo(dialog)
    text = dialog.message.text()
    assert all(word in text for word in words), text
    return text


def test_a_base_model_path_that_does_not_exist_keeps_the_dialog_open(qtbot, open_dialog):
    dialog = open_dialog()
    dialog.fields["base"].edit.setText("/nonexistent/model")
    press_ok(qtbot, dialog)
    text = stays_open_saying(dialog, "/nonexistent/model", "does not exist")
    assert text.startswith("Base model")  # names the field
    assert dialog.fields["base"].value() == "/nonexistent/model"  # nothing typed is lost
    assert dialog.focusWidget() is dialog.fields["base"].edit
    dialog.fields["base"].edit.setText("")  # empty: none (the demo model)
    press_ok(qtbot, dialog)
    assert not dialog.isVisible() and dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.result_settings().base is None


def test_a_damaged_model_folder_is_refused_with_the_reason(qtbot, open_dialog, tmp_path):
    folder = damaged_model(tmp_path)
    assert sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) == 105
    dialog = open_dialog()
    dialog.fields["base"].edit.setText(str(folder))
    press_ok(qtbot, dialog)
    stays_open_saying(dialog, str(folder / "unet" / "config.json"), "a damaged model file")
    (tmp_path / "empty").mkdir()
    dialog.fields["base"].edit.setText(str(tmp_path / "empty"))
    press_ok(qtbot, dialog)
    stays_open_saying(dialog, "is not a model folder")


def test_valid_tiny_models_and_hub_ids_are_accepted(qtbot, open_dialog, tiny_models):
    dialog = open_dialog()
    dialog.fields["base"].edit.setText(str(tiny_models["pipeline"]))
    dialog.fields["edge_controlnet"].edit.setText(str(tiny_models["controlnet-edge"]))
    dialog.fields["depth_estimator"].edit.setText(str(tiny_models["depth-estimator"]))
    dialog.inpaint_field.edit.setText("lllyasviel/control_v11p_sd15_inpaint")
    press_ok(qtbot, dialog)
    assert dialog.result() == QDialog.DialogCode.Accepted and not dialog.message.isVisible()
    chosen = dialog.result_settings()
    assert chosen.base == str(tiny_models["pipeline"])
    assert chosen.controlnets == {"edge": str(tiny_models["controlnet-edge"])}

    hub = open_dialog(AppSettings(base=str(tiny_models["pipeline"])))
    hub.fields["base"].edit.setText(" runwayml/stable-diffusion-v1-5 ")  # checked when loading
    press_ok(qtbot, hub)
    assert hub.result() == QDialog.DialogCode.Accepted
    assert hub.result_settings().base == "runwayml/stable-diffusion-v1-5"


def test_the_other_path_fields_are_checked_too(qtbot, open_dialog, tiny_models, tmp_path):
    dialog = open_dialog()
    dialog.fields["base"].edit.setText(str(tiny_models["pipeline"]))
    dialog.fields["depth_controlnet"].edit.setText("/nonexistent/depth-controlnet")
    dialog.ip_fields["sd15"].edit.setText(str(tmp_path / "missing.safetensors"))
    dialog.inpaint_field.edit.setText(str(damaged_model(tmp_path)))
    press_ok(qtbot, dialog)
    text = stays_open_saying(
        dialog, "/nonexistent/depth-controlnet", "missing.safetensors", "a damaged model file"
    )
    assert len(text.splitlines()) == 3 and str(tiny_models["pipeline"]) not in text
    assert dialog.focusWidget() is dialog.fields["depth_controlnet"].edit  # the first in question

    # a model of another role: a ControlNet is no base model, a base model no ControlNet
    swapped = open_dialog()
    swapped.fields["base"].edit.setText(str(tiny_models["controlnet-edge"]))
    swapped.fields["edge_controlnet"].edit.setText(str(tiny_models["pipeline"]))
    press_ok(qtbot, swapped)
    text = stays_open_saying(swapped, "controlnet-edge is a controlnet model", "pipeline is a base")
    assert len(text.splitlines()) == 2
