"""The grounding fine-tune (benchmarks/demo_grounding_finetune.py): each arm goes on from the
shipped demo model through the real UNet stage and is scored by its attention and the eval's
prompt measures."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.demo_grounding_finetune import main

pytestmark = pytest.mark.slow  # trains and renders the demo model


def test_a_tiny_finetune_trains_and_scores_each_weight(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = "scenes=8,unet_batch=2,warmup=1,checkpoint_every=2"
    argv = ["--steps", "2", "--cases", "1", "--base", base, "--weights", "0,1"]
    assert main([*argv, "--work", str(tmp_path / "w"), "--data", str(tmp_path / "d")]) == 0
    rows = capsys.readouterr().out.strip().splitlines()[-3:]
    assert rows[0].startswith("start: attention inside its shape ")
    assert rows[1].startswith("grounding_weight 0: ") and rows[2].startswith("grounding_weight 1: ")
    assert all("adherence" in row and "2-4 shapes" in row for row in rows[1:])
    for arm in ("weight-0", "weight-1"):
        assert (tmp_path / "w" / arm / "pipeline" / "model_index.json").is_file()
    log = (tmp_path / "w" / "finetune.log").read_text("utf-8")
    assert "unet: step 6502/6502" in log  # two steps after the shipped run's 6500


def test_a_kind_map_finetune_trains_a_fresh_head_beside_the_shipped_unet(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from safetensors.torch import load_file

    base = "scenes=8,unet_batch=2,warmup=1,checkpoint_every=2,kind_map_weight=0.5"
    argv = ["--steps", "2", "--cases", "1", "--first-case", "3", "--base", base, "--weights", "0"]
    assert main([*argv, "--work", str(tmp_path / "w"), "--data", str(tmp_path / "d")]) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1].startswith("grounding_weight 0: ")
    stage = tmp_path / "w" / "weight-0" / "unet-stage" / "checkpoint" / "state.safetensors"
    assert any(key.startswith("kind_head.") for key in load_file(str(stage)))
    assert (tmp_path / "w" / "weight-0" / "unet" / "kind_head.safetensors").is_file()
