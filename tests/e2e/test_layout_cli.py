"""``f1studio layout``: prints the planned layout as JSON and writes the region layers."""

from __future__ import annotations

import json

import pytest

from f1studio.cli import main
from f1studio.document.build import build_request
from f1studio.document.layers import LayerKind
from f1studio.project.f1s import load_project

PROMPT = "a cat to the left of a dog, watercolour"


@pytest.fixture()
def project(tmp_path, monkeypatch):
    monkeypatch.setenv("F1STUDIO_CONFIG_DIR", str(tmp_path / "config"))
    path = tmp_path / "p.f1s"
    assert main(["new", str(path), "--size", "64x64", "--prompt", PROMPT]) == 0
    return path


def run(capsys, *args: str) -> dict:
    capsys.readouterr()
    assert main(["layout", *args]) == 0
    return json.loads(capsys.readouterr().out)


def test_dry_run_prints_the_layout_and_writes_nothing(project, capsys):
    before = project.read_bytes()
    report = run(capsys, str(project), "--dry-run")
    phrases = [obj["phrase"] for obj in report["objects"]]
    assert phrases == ["a cat", "a dog"]
    cat, dog = report["objects"]
    assert (cat["box"][0] + cat["box"][2]) < (dog["box"][0] + dog["box"][2])  # cat left of dog
    assert report["remainder"] == "watercolour" and "applied" not in report
    assert project.read_bytes() == before


def test_layout_writes_regions_and_again_changes_nothing(project, capsys):
    report = run(capsys, str(project), "--shape", "ellipse")
    assert report["applied"]["added"] and report["applied"]["saved"]
    doc = load_project(project)
    made = [layer for layer in doc.layers if layer.kind is LayerKind.REGION]
    assert [layer.prompt for layer in made] == ["a cat", "a dog"]
    assert build_request(doc).prompt == "watercolour"
    again = run(capsys, str(project))
    assert again["applied"]["added"] == [] and not again["applied"]["saved"]


def test_an_unknown_planner_is_refused_in_one_line(project, capsys):
    assert main(["layout", str(project), "--planner", "gpt"]) == 1
    assert "unknown planner 'gpt'" in capsys.readouterr().err
