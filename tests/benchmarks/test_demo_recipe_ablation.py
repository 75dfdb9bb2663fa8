"""The demo model's recipe ablation (benchmarks/demo_recipe_ablation.py): arms are the full
run's settings with their own overrides, each trains through the real UNet stage and is
scored by the eval's prompt measures."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from benchmarks.demo_recipe_ablation import main, parse_arm, set_world
from f1studio.demo import world
from f1studio.demo.train_settings import FULL


def test_an_arm_overrides_settings_with_their_own_types() -> None:
    arm = parse_arm("unet_batch=16,unet_lr=0.0008", FULL)
    assert arm.unet_batch == 16 and isinstance(arm.unet_batch, int)
    assert arm.unet_lr == pytest.approx(8e-4) and isinstance(arm.unet_lr, float)
    assert replace(arm, unet_batch=FULL.unet_batch, unet_lr=FULL.unet_lr) == FULL
    assert parse_arm("base", FULL) is FULL


def test_a_switch_reads_0_as_off_and_1_as_on() -> None:
    assert parse_arm("bf16_autocast=1", FULL).bf16_autocast is True
    assert parse_arm("bf16_autocast=0", FULL).bf16_autocast is False
    assert (
        parse_arm("bf16_autocast=false", replace(FULL, bf16_autocast=True)).bf16_autocast is False
    )


def test_an_unknown_setting_is_refused_with_its_name() -> None:
    with pytest.raises(SystemExit, match="unet_batchsize"):
        parse_arm("unet_batchsize=16", FULL)


def test_the_world_option_sets_the_worlds_own_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(world, "UPRIGHT_SHARE", world.UPRIGHT_SHARE)  # restored afterwards
    set_world("upright_share=0.5")
    assert world.UPRIGHT_SHARE == 0.5
    with pytest.raises(SystemExit, match="sideways"):
        set_world("sideways=1")


def test_a_tiny_ablation_trains_and_scores_every_arm(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = "scenes=24,text_steps=2,text_batch=4,unet_batch=2,warmup=1,checkpoint_every=2"
    argv = ["--steps", "2", "--cases", "1", "--base", base, "--work", str(tmp_path)]
    assert main([*argv, "--arms", "base;unet_batch=4,unet_steps=3"]) == 0
    rows = capsys.readouterr().out.strip().splitlines()[-2:]
    assert rows[0].startswith("base ") and rows[1].startswith("unet_batch=4,unet_steps=3 ")
    assert all("adherence" in row and "2-4 shapes" in row for row in rows)
    for arm in ("arm-0", "arm-1"):
        assert (tmp_path / arm / "pipeline" / "model_index.json").is_file()
    log = (tmp_path / "ablation.log").read_text("utf-8")
    assert "unet: step 3/3" in log  # the second arm's own step count
