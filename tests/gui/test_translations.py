"""The Simplified Chinese window: what a user of ``zh_CN`` sees, and a catalogue that stays whole.

The window is built with the ``zh_CN`` translation installed and checked for Chinese menus and
panels; the ``.ts`` catalogue must have every entry translated (no unfinished, obsolete or
vanished ones), keep each source's placeholders, compile to the committed ``.qm``, and cover
every string ``lupdate`` finds in ``f1studio/gui`` today.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QLocale, QTranslator
from PySide6.QtWidgets import QAbstractButton, QLabel

from f1studio.appsettings import AppSettings
from f1studio.document.layers import LayerKind
from f1studio.gui import i18n

ROOT = Path(__file__).resolve().parents[2]
I18N = ROOT / "f1studio" / "resources" / "i18n"
TS = I18N / "f1studio_zh_CN.ts"
QM = I18N / "f1studio_zh_CN.qm"
GUI = ROOT / "f1studio" / "gui"

CJK = re.compile(r"[\u4e00-\u9fff]")
PLACEHOLDER = re.compile(r"\{(\w*)\}")


def _has_cjk(text: str) -> bool:
    return bool(CJK.search(text))


def _qt_tool(name: str) -> Path:
    """``pyside6-lrelease`` / ``pyside6-lupdate`` beside the interpreter running the tests."""
    tool = Path(sys.executable).parent / name
    if not tool.exists():
        found = shutil.which(name)
        if found is None:
            pytest.skip(f"{name} is not installed")
        tool = Path(found)
    return tool


def _messages(ts: Path) -> list[tuple[str, ET.Element]]:
    """(context name, <message>) for every entry of a .ts file."""
    root = ET.parse(ts).getroot()
    return [
        (ctx.findtext("name", ""), message)
        for ctx in root.iter("context")
        for message in ctx.iter("message")
    ]


def _translations(message: ET.Element) -> list[str]:
    tr = message.find("translation")
    assert tr is not None
    if message.get("numerus") == "yes":
        return [form.text or "" for form in tr.findall("numerusform")]
    return [tr.text or ""]


@pytest.fixture
def chinese(qapp) -> Iterator[None]:
    """The window in Simplified Chinese for one test; English again afterwards."""
    assert i18n.install("zh_CN") == "zh_CN"
    yield
    i18n.install("en")


def test_the_window_shows_chinese_menus_and_panels(chinese, studio) -> None:
    win = studio(AppSettings(device="cpu"), size=(1400, 900))  # no model: the demo model
    titles = [action.text() for action in win.menuBar().actions() if action.text()]
    assert titles and all(_has_cjk(t) for t in titles), titles
    assert "文件(&F)" in titles
    assert any("编辑" in t for t in titles)
    items = [a.text() for a in win.menuBar().actions()[0].menu().actions() if a.text()]
    assert "新建(&N)" in items and any("另存为" in t for t in items), items

    panel = win.prompt_panel
    labels = [w.text() for w in panel.findChildren(QLabel) if w.text()]
    assert "提示词" in labels and "步数" in labels and "种子" in labels, labels
    buttons = [b.text() for b in panel.findChildren(QAbstractButton) if b.text()]
    assert "随机" in buttons and "沿用上次" in buttons, buttons
    assert not any(t in buttons for t in ("Random", "Reuse last", "Apply size", "Live")), buttons
    assert panel.apply_size_button.text() == "应用尺寸"
    assert panel.live_button.text() == "实时"
    assert _has_cjk(panel.negative_edit.placeholderText())


def test_layout_reports_in_chinese_and_undo_names_the_step(chinese, studio) -> None:
    from f1studio.gui.panels.layout_controls import _SUMMARY_PHRASES
    from f1studio.layout.regions import SUMMARY_PHRASES

    # every phrase the summary can use is marked for the catalogue under its own text
    assert sorted(_SUMMARY_PHRASES) == sorted(SUMMARY_PHRASES.values())
    win = studio(AppSettings(device="cpu"))
    win.doc.set_prompt("a red circle on the left and a blue square on the right")
    win.layout_controls.lay_out()
    assert win.statusBar().currentMessage() == "布局：已布置 2 个区域"
    assert win.undo_action.text() == "撤销 布局(&U)"


def test_layout_notes_in_chinese(chinese, studio) -> None:
    from f1studio.gui.panels.layout_controls import _NOTE_TEMPLATES
    from f1studio.layout.notes import NOTE_TEMPLATES

    assert sorted(_NOTE_TEMPLATES) == sorted(NOTE_TEMPLATES)  # every note is marked
    win = studio(AppSettings(device="cpu"))
    win.doc.set_prompt("a red circle beside a blue square")
    win.layout_controls.lay_out()
    note = "“beside”没有说明在哪一侧；按 red circle 在 blue square 左边理解"
    assert win.layout_controls.notes_label.text() == note
    assert win.statusBar().currentMessage() == f"布局：已布置 2 个区域 · {note}"
    win.doc.undo()  # the Layout taken back: its note goes with it
    assert win.layout_controls.notes_label.isHidden()
    win.doc.redo()
    win.layout_controls.lay_out()
    assert win.layout_controls.notes_label.text() == note
    win.doc.set_prompt("a red circle on the left")  # another prompt: the note was about the old
    assert win.layout_controls.notes_label.isHidden()


def test_the_demo_models_word_list_reads_in_chinese_with_its_words_kept(chinese, studio) -> None:
    from f1studio.demo.vocab import KNOWN_WORDS_TEMPLATE
    from f1studio.gui.panels.prompt_panel import _KNOWN_WORDS

    assert _KNOWN_WORDS == (KNOWN_WORDS_TEMPLATE,)
    win = studio(AppSettings(device="cpu"))  # no model chosen: the demo model
    words = win.prompt_panel.words_label.text()
    assert words.startswith("可识别的词：颜色：red, green"), words
    assert "形状：circle, square, triangle" in words and "colours" not in words


def test_the_demo_models_name_reads_in_chinese(chinese, studio) -> None:
    from f1studio.demo.model import DEMO_NAME
    from f1studio.gui.engine_status import DEMO_NAME_MARKED

    assert DEMO_NAME_MARKED == DEMO_NAME  # the catalogue has the name the model goes by
    win = studio(AppSettings(device="cpu"))  # no model chosen: the demo model
    status = win.engine_label.text()
    assert "演示模型" in status and "demo model" not in status, status


def test_undo_steps_are_named_in_chinese(chinese, studio) -> None:
    from f1studio.document.step_names import TEMPLATES, WORDS
    from f1studio.gui.step_names import MARKED

    assert sorted(MARKED) == sorted((*TEMPLATES, *WORDS))  # every template and word is marked
    win = studio(AppSettings(device="cpu"))
    doc = win.doc
    region = doc.add_layer(LayerKind.REGION, name="Sky")
    guide = doc.add_layer(LayerKind.EDGE)
    assert win.undo_action.text() == "撤销 添加边缘引导(&U)"
    doc.set_layer_property(guide.id, "weight", 0.5)
    assert win.undo_action.text() == "撤销 权重：1 → 0.5(&U)"
    doc.set_layer_property(guide.id, "region", region.id)
    assert win.undo_action.text() == "撤销 限定区域：整个画布 → Sky(&U)"
    doc.set_layer_property(guide.id, "curve", (1.5, 1.2, 0.9, 0.5, 0.2))
    doc.set_layer_property(guide.id, "visible", False)
    win.undo_history.refresh()
    assert win.undo_history.labels[-3:] == [
        "限定区域：整个画布 → Sky",
        "强度曲线：先定结构",
        "隐藏图层",
    ]
    assert all(_has_cjk(label) for label in win.undo_history.labels), win.undo_history.labels
    doc.undo()
    assert win.redo_action.text() == "重做 隐藏图层(&R)"


def test_after_uninstalling_the_window_is_english_again(qapp, studio) -> None:
    assert i18n.install("zh_CN") == "zh_CN"
    assert i18n.install("en") == "en"
    win = studio(AppSettings(device="cpu"))
    titles = [action.text() for action in win.menuBar().actions() if action.text()]
    assert "&File" in titles
    assert not any(_has_cjk(t) for t in titles)


def test_the_language_follows_the_system_unless_one_is_chosen() -> None:
    assert i18n.resolve_language("system", QLocale("zh_CN")) == "zh_CN"
    assert i18n.resolve_language(None, QLocale("zh_CN")) == "zh_CN"
    assert i18n.resolve_language("system", QLocale("en_US")) == "en"
    assert i18n.resolve_language("en", QLocale("zh_CN")) == "en"  # an explicit choice wins
    assert i18n.resolve_language("zh_CN", QLocale("en_US")) == "zh_CN"
    assert "zh_CN" in i18n.LANGUAGES


def test_the_catalogue_is_fully_translated() -> None:
    text = TS.read_text(encoding="utf-8")
    assert text.startswith('<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>')
    messages = _messages(TS)
    assert len(messages) > 400
    left = []
    for context, message in messages:
        tr = message.find("translation")
        assert tr is not None
        kind = tr.get("type")
        if kind in ("unfinished", "obsolete", "vanished") or not all(_translations(message)):
            left.append((context, message.findtext("source"), kind))
    assert not left, left


def _pairs() -> list[tuple[str, str, str]]:
    """(context, source, translation) of every translated form in the catalogue."""
    return [
        (context, message.findtext("source", ""), translation)
        for context, message in _messages(TS)
        for translation in _translations(message)
    ]


def test_every_translation_keeps_its_placeholders() -> None:
    wrong = []
    for context, source, translation in _pairs():
        same_fields = set(PLACEHOLDER.findall(source)) == set(PLACEHOLDER.findall(translation))
        same_n = ("%n" in source) == ("%n" in translation)
        same_args = set(re.findall(r"%\d", source)) == set(re.findall(r"%\d", translation))
        if not (same_fields and same_n and same_args):
            wrong.append((context, source, translation))
    assert not wrong, wrong


def test_mnemonics_and_ellipses_survive_translation() -> None:
    wrong = []
    for context, source, translation in _pairs():
        mnemonic = re.search(r"&(\w)", source)
        if mnemonic and f"(&{mnemonic.group(1).upper()})" not in translation:
            wrong.append((context, source, translation))
        # "Open…" opens a dialog, "Rendering…" goes on: the translation says so too (a
        # sentence that merely ends on a menu path, "… under Model ▸ Models…", may not)
        if source.endswith("…") and "▸" not in source and not translation.endswith("…"):
            wrong.append((context, source, translation))
    assert not wrong, wrong


def test_the_committed_qm_is_compiled_from_the_catalogue(qapp, tmp_path: Path) -> None:
    lrelease = _qt_tool("pyside6-lrelease")
    outputs = []
    for name in ("first.qm", "second.qm"):
        out = tmp_path / name
        subprocess.run(
            [str(lrelease), "-silent", str(TS), "-qm", str(out)], check=True, timeout=120
        )
        outputs.append(out.read_bytes())
    assert QM.exists(), "run scripts/translations.sh release"
    if outputs[0] == outputs[1]:  # lrelease is deterministic: the bytes must match
        assert QM.read_bytes() == outputs[0], "the .qm is stale: scripts/translations.sh release"
        return
    # Not deterministic: both must translate every source string alike.
    committed, fresh = QTranslator(), QTranslator()
    assert committed.load(str(QM)) and fresh.load(str(tmp_path / "first.qm"))
    for context, message in _messages(TS):
        source = message.findtext("source", "")
        disambiguation = message.findtext("comment")
        n = 1 if message.get("numerus") == "yes" else -1
        assert committed.translate(context, source, disambiguation, n) == fresh.translate(
            context, source, disambiguation, n
        ), (context, source)


def test_the_installed_translation_matches_the_catalogue(chinese) -> None:
    for context, message in _messages(TS):
        source = message.findtext("source", "")
        disambiguation = message.findtext("comment")
        if message.get("numerus") == "yes":
            expected = _translations(message)[0].replace("%n", "3")
            assert i18n.translate(context, source, disambiguation, 3) == expected
        else:
            assert i18n.translate(context, source, disambiguation) == _translations(message)[0]


def test_lupdate_finds_no_string_without_a_translation(tmp_path: Path) -> None:
    lupdate = _qt_tool("pyside6-lupdate")
    copy = tmp_path / TS.name
    shutil.copyfile(TS, copy)
    sources = sorted(str(p) for p in GUI.rglob("*.py"))
    started = time.monotonic()
    done = subprocess.run(
        [str(lupdate), "-no-obsolete", "-locations", "none", *sources, "-ts", str(copy)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    if time.monotonic() - started > 20:
        pytest.skip("lupdate took over 20 s")
    untranslated = [
        (context, message.findtext("source"))
        for context, message in _messages(copy)
        if message.find("translation").get("type") == "unfinished"  # type: ignore[union-attr]
    ]
    assert not untranslated, (
        "strings without a Chinese translation: run scripts/translations.sh update, "
        f"translate them and run release: {untranslated}"
    )
