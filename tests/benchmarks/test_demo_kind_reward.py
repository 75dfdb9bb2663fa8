"""The kind-reward fine-tune (benchmarks/demo_kind_reward.py): a crop classifier learns the
kinds, each arm goes on from the shipped demo model with its judgement as a loss, and each arm
is scored by the eval's prompt measures."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from benchmarks.demo_kind_reward import main

pytestmark = pytest.mark.slow  # trains and renders the demo model


def test_a_tiny_kind_reward_run_trains_the_classifier_and_scores_each_weight(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--steps", "2", "--weights", "0,1", "--t-range", "0,999", "--rows", "2"]
    argv += ["--classifier-scenes", "8", "--classifier-steps", "2", "--check-scenes", "3"]
    argv += ["--cases", "1", "--first-case", "0", "--base", "scenes=8,unet_batch=2"]
    assert main([*argv, "--work", str(tmp_path / "w"), "--data", str(tmp_path / "d")]) == 0
    rows = capsys.readouterr().out.strip().splitlines()[-3:]
    assert rows[0].startswith("classifier on ") and "round trips blurred 1.5 px" in rows[0]
    assert rows[1].startswith("kind term weight 0: ") and rows[2].startswith("kind term weight 1:")
    assert all("adherence" in row and "size" in row for row in rows[1:])
    assert (tmp_path / "w" / "crop_classifier.safetensors").is_file()
    for arm in ("weight-0", "weight-1"):
        assert (tmp_path / "w" / arm / "pipeline" / "model_index.json").is_file()
    log = (tmp_path / "w" / "kind_reward.log").read_text("utf-8")
    terms = {
        weight: [float(v) for v in re.findall(rf"weight {weight}: step .* kind term ([\d.]+)", log)]
        for weight in ("0", "1")
    }
    assert terms["0"] == [0.0, 0.0]  # the control never pays the term
    assert all(term > 0 for term in terms["1"])  # every step of the other arm does
