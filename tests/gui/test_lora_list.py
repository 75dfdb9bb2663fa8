"""LoRA lists in the window: the whole picture's in the prompt panel, a region's in its
properties; adding from the user's folders, switching, weighting, removing, trigger words."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from f1studio.appsettings import AppSettings
from f1studio.document.document import Document
from f1studio.document.loras import LoraEntry
from f1studio.engine.family_table import ModelFamily
from f1studio.gui.panels.layers_panel import LayersPanel
from f1studio.gui.panels.lora_list import LoraList
from f1studio.gui.panels.prompt_panel import PromptPanel

safetensors = pytest.importorskip("safetensors.numpy")

KEY = "lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn2_to_k"


def _lora(path: Path, width: int = 768, metadata: dict | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tensors = {
        f"{KEY}.lora_down.weight": np.zeros((4, width), np.float16),
        f"{KEY}.lora_up.weight": np.zeros((320, 4), np.float16),
    }
    safetensors.save_file(tensors, str(path), metadata=metadata)
    return path


@pytest.fixture(autouse=True)
def empty_hf_cache(tmp_path: Path, monkeypatch) -> None:
    """No LoRAs from this machine's Hugging Face cache in the Add menu."""
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))


@pytest.fixture()
def webui(tmp_path: Path) -> Path:
    """An AUTOMATIC1111 install with two LoRAs: zebra (SD1.5, trigger word) and xl (SDXL)."""
    root = tmp_path / "webui"
    (root / "models" / "Stable-diffusion").mkdir(parents=True)
    tags = {"ss_tag_frequency": json.dumps({"s": {"zebra": 3}})}
    _lora(root / "models" / "Lora" / "zebra.safetensors", metadata=tags)
    _lora(root / "models" / "Lora" / "xl.safetensors", width=2048)
    return root


@pytest.fixture()
def prompt_panel(qtbot, webui: Path) -> PromptPanel:
    panel = PromptPanel(Document(64, 64, prompt="a horse"))
    qtbot.addWidget(panel)
    panel.resize(320, 600)
    panel.show()
    panel.set_lora_context([str(webui)], ModelFamily.SD15)
    return panel


def _menu_texts(lora_list: LoraList) -> list[str]:
    return [a.text() for a in lora_list.build_menu().actions() if not a.isSeparator()]


def test_add_a_found_lora_switch_weight_and_remove_it(prompt_panel: PromptPanel) -> None:
    doc, loras = prompt_panel.document, prompt_panel.lora_list
    assert doc is not None
    assert _menu_texts(loras) == [
        "xl — SDXL",
        "zebra — Stable Diffusion 1.5",
        "Choose a file…",
    ]
    zebra = next(a for a in loras.build_menu().actions() if a.text().startswith("zebra"))
    zebra.trigger()
    path = str(loras.found_loras()[1].path)
    assert doc.settings.loras == (LoraEntry(path),)
    row = loras.rows[0]
    assert row.name_label.full_text() == "zebra"
    assert path in row.name_label.toolTip() and "Stable Diffusion 1.5" in row.name_label.toolTip()
    assert row.warning() == ""
    assert "zebra — Stable Diffusion 1.5 (in the list)" in _menu_texts(loras)

    assert not loras.add_path(path)  # already in the list: nothing changes
    assert doc.settings.loras == (LoraEntry(path),) and "already in the list" in loras.message()

    row.check.setChecked(False)
    assert doc.settings.loras == (LoraEntry(path, 1.0, enabled=False),)
    row.weight_spin.setValue(0.75)
    assert doc.settings.loras == (LoraEntry(path, 0.75, enabled=False),)
    assert loras.rows[0] is row  # an edit updates the row, it does not rebuild the list

    doc.set_setting("loras", (LoraEntry(path, -0.5),))  # the document's value is shown
    assert row.check.isChecked() and row.weight_spin.value() == -0.5

    row.remove_button.click()
    assert doc.settings.loras == ()
    assert loras.rows == []


def test_a_trigger_word_goes_into_the_prompt(prompt_panel: PromptPanel, webui: Path) -> None:
    doc, loras = prompt_panel.document, prompt_panel.lora_list
    assert doc is not None
    assert loras.add_path(webui / "models" / "Lora" / "zebra.safetensors")
    row = loras.rows[0]
    assert row.words == ("zebra",) and not row.words_label.isHidden()
    assert ">zebra</a>" in row.words_label.text()
    row.words_label.linkActivated.emit("0")
    assert doc.prompt == "a horse, zebra"
    assert prompt_panel.prompt_edit.toPlainText() == "a horse, zebra"
    row.words_label.linkActivated.emit("0")  # already there: not added twice
    assert doc.prompt == "a horse, zebra"
    doc.undo()
    assert doc.prompt == "a horse"
    doc.set_prompt("")
    row.words_label.linkActivated.emit("0")
    assert doc.prompt == "zebra"


def test_a_lora_for_another_family_is_marked(prompt_panel: PromptPanel, webui: Path) -> None:
    loras = prompt_panel.lora_list
    assert loras.add_path(webui / "models" / "Lora" / "xl.safetensors")
    row = loras.rows[0]
    assert row.warning() == "⚠ xl is a LoRA for SDXL; the model is Stable Diffusion 1.5"
    assert row.words_label.isHidden()  # no trigger words in this file
    loras.set_family(ModelFamily.SDXL)
    assert row.warning() == ""
    loras.set_family(None)  # the model's family is not known: no guess
    assert row.warning() == ""


def test_what_is_not_a_lora_is_refused_and_nothing_added(
    prompt_panel: PromptPanel, tmp_path: Path
) -> None:
    doc, loras = prompt_panel.document, prompt_panel.lora_list
    assert doc is not None
    model = tmp_path / "model.safetensors"
    safetensors.save_file({"x": np.zeros(2, np.float32)}, str(model))
    assert not loras.add_path(model)
    assert loras.message() == "model.safetensors holds no LoRA weights (is it a model?)"
    broken = tmp_path / "broken.safetensors"
    broken.write_bytes(b"not a safetensors file")
    assert not loras.add_path(broken)
    assert "broken.safetensors" in loras.message()
    assert not loras.add_path(tmp_path / "gone.safetensors")
    assert "not found" in loras.message()
    assert doc.settings.loras == () and loras.rows == []
    assert loras.add_button.isEnabled()  # still usable
    assert loras.add_path(_lora(tmp_path / "ok.safetensors"))
    assert loras.message() == "" and len(doc.settings.loras) == 1


def test_a_missing_file_in_a_project_is_named_in_its_row(prompt_panel: PromptPanel) -> None:
    doc = prompt_panel.document
    assert doc is not None
    doc.set_setting("loras", (LoraEntry("/nowhere/gone.safetensors", 0.8),))
    row = prompt_panel.lora_list.rows[0]
    assert row.name_label.full_text() == "gone"
    assert "not found" in row.warning()


def test_no_folders_says_where_to_add_them(qtbot) -> None:
    loras = LoraList()
    qtbot.addWidget(loras)
    assert _menu_texts(loras) == [
        "No model folders set: add one under Model ▸ Models…",
        "Choose a file…",
    ]


@pytest.fixture()
def layers(qtbot, webui: Path) -> LayersPanel:
    doc = Document(64, 64)
    region = doc.add_layer("region", "Figure", prompt="a knight")
    doc.paint_rect(region.id, 0, 0, 64, 32, 255)
    doc.history.clear()
    panel = LayersPanel(doc)
    qtbot.addWidget(panel)
    panel.resize(320, 700)
    panel.show()
    panel.select_layer(region.id)
    panel.properties.set_lora_context([str(webui)], ModelFamily.SD15)
    return panel


def test_a_region_layers_loras_one_undo_step_per_gesture(layers: LayersPanel, webui: Path) -> None:
    props, doc = layers.properties, layers.document
    assert doc is not None
    region = doc.layers[0]
    assert props.row_shown("loras")
    loras = props.lora_list
    path = str(webui / "models" / "Lora" / "zebra.safetensors")
    assert loras.add_path(path)
    assert region.loras == (LoraEntry(path),)
    spin = loras.rows[0].weight_spin
    for value in (0.95, 0.9, 0.85, 0.8):  # four steps of the arrows: one gesture
        spin.setValue(value)
    spin.editingFinished.emit()
    assert region.loras == (LoraEntry(path, 0.8),)
    loras.rows[0].check.setChecked(False)
    assert region.loras == (LoraEntry(path, 0.8, enabled=False),)
    loras.rows[0].words_label.linkActivated.emit("0")
    assert region.prompt == "a knight, zebra"

    doc.undo()  # the word
    assert region.prompt == "a knight"
    doc.undo()  # the switch
    assert region.loras == (LoraEntry(path, 0.8),)
    assert loras.rows[0].check.isChecked()
    doc.undo()  # the whole weight drag
    assert region.loras == (LoraEntry(path),)
    assert loras.rows[0].weight_spin.value() == 1.0
    doc.undo()  # the add
    assert region.loras == () and loras.rows == []
    assert not doc.can_undo


def test_loras_only_for_region_layers(layers: LayersPanel) -> None:
    props, doc = layers.properties, layers.document
    assert doc is not None
    guide = doc.add_layer("edge", "Lines")
    layers.select_layer(guide.id)
    assert not props.row_shown("loras")
    layers.select_layer(doc.layers[0].id)
    assert props.row_shown("loras")
    assert props.lora_list.note_label.isHidden()
    props.set_lora_context([], ModelFamily.FLUX)  # FLUX.1 limits LoRAs to regions too
    assert props.lora_list.note_label.isHidden()
    doc.set_layer_property(doc.layers[0].id, "locked", True)
    assert not props.lora_list.isEnabled()


def test_the_window_gives_both_lists_the_users_folders(studio, webui: Path) -> None:
    win = studio(AppSettings(model_folders=[str(webui)]))
    for loras in (win.prompt_panel.lora_list, win.layers_panel.properties.lora_list):
        assert [f.name for f in loras.found_loras()] == ["xl", "zebra"]
        assert "demo model takes no LoRAs" in loras.note_label.text()  # no model chosen


def test_a_few_step_lora_brings_its_sampler_settings(prompt_panel: PromptPanel, tmp_path) -> None:
    doc, loras = prompt_panel.document, prompt_panel.lora_list
    assert doc is not None
    messages: list[str] = []
    prompt_panel.statusMessage.connect(messages.append)
    assert loras.add_path(_lora(tmp_path / "sd15_lightning_4step_lora.safetensors"))
    s = doc.settings
    assert (s.scheduler, s.steps, s.guidance_scale) == ("euler-trailing", 4, 1.0)
    assert prompt_panel.steps_spin.value() == 4
    assert any("4 steps of euler-trailing" in m for m in messages)
    doc.set_setting("steps", 20)  # the user's own choice afterwards is kept
    loras.rows[0].weight_spin.setValue(0.5)
    assert doc.settings.steps == 20
    assert loras.add_path(_lora(tmp_path / "ink.safetensors"))  # an ordinary LoRA: no change
    assert doc.settings.steps == 20 and doc.settings.scheduler == "euler-trailing"
