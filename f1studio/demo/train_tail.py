"""Bring the demo model's ControlNets in tune with a UNet that changed after they were trained.

    python -m f1studio.demo.train_tail --model DIR [--kinds edge,depth,inpaint] [--steps 600]
        [--work DIR] [--data DIR]

A ControlNet learns to steer one UNet. When the UNet stage is run again on a shipped model
(a longer region or grounding phase), the shipped ControlNets steer a UNet they never saw.
This runs the last ``--steps`` steps of each ControlNet's stage again
(``train_stages.train_controlnet``: the same batches, noise and learning rate a full run draws
there) on the model's own UNet and text encoder, from a checkpoint seeded with the shipped
ControlNet (fp16 read back as fp32, its export scale undone; a fresh optimizer), and writes it
back into ``DIR/controlnet-<kind>`` at its export scale, fp16. The model's ``training.json``
gets the seconds each took (``controlnet_tail_runs``). Everything else is unchanged.

Each kind resumes from its checkpoints under ``--work``, so a stopped run goes on; the encoded
scenes are cached under ``--data`` (the same cache ``benchmarks/demo_grounding_finetune.py`` uses).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from dataclasses import fields
from datetime import date
from pathlib import Path
from typing import Any

from f1studio.demo.train_settings import FULL, TrainSettings

KINDS = ("edge", "depth", "inpaint")


def model_settings(model: Path) -> TrainSettings:
    """The settings the model was trained with (its ``training.json``), or the full run's."""
    info_path = model / "training.json"
    if not info_path.is_file():
        return FULL
    stored = json.loads(info_path.read_text("utf-8")).get("settings", {})
    known = {f.name for f in fields(TrainSettings)}
    values = {k: v for k, v in stored.items() if k in known}
    if "controlnet_output_scale" in values:  # from before the edge ControlNet had its own
        values.setdefault("edge_output_scale", values["controlnet_output_scale"])
    return TrainSettings(**values)


def seed_checkpoint(
    settings: TrainSettings, kind: str, shipped: Path, unet: Any, stage_dir: Path, start: int
) -> None:
    """A checkpoint at step ``start`` holding the shipped ControlNet as the stage trains it
    (fp32, export scale undone) and a fresh optimizer."""
    import torch
    from diffusers import ControlNetModel

    from f1studio.demo import architecture, checkpoints
    from f1studio.demo.train_export import scale_controlnet_output

    controlnet = architecture.build_controlnet(unet)
    controlnet.load_state_dict(ControlNetModel.from_pretrained(str(shipped)).float().state_dict())
    scale_controlnet_output(controlnet, 1.0 / settings.export_scale_of(kind))
    optimizer = torch.optim.AdamW(
        controlnet.parameters(), lr=settings.controlnet_lr, weight_decay=0
    )
    checkpoints.save(stage_dir / "checkpoint", {"controlnet": controlnet}, optimizer, start, {})


def retrain_tail(model: Path, kinds: list[str], steps: int, work: Path, data_dir: Path) -> dict:
    """Run the last ``steps`` steps of each ControlNet stage on ``model``'s UNet; write each
    ControlNet back; return the seconds per kind."""
    import torch
    from diffusers import AutoencoderKL, UNet2DConditionModel
    from transformers import CLIPTextModel, CLIPTokenizer

    from f1studio.demo.train_data import encode_dataset
    from f1studio.demo.train_export import scale_controlnet_output
    from f1studio.demo.train_loop import Log
    from f1studio.demo.train_stages import train_controlnet

    settings = model_settings(model)
    torch.set_num_threads(settings.threads)
    work.mkdir(parents=True, exist_ok=True)
    data_dir.mkdir(parents=True, exist_ok=True)
    log = Log(work / "tail.log")
    pipeline = model / "pipeline"
    vae = AutoencoderKL.from_pretrained(str(pipeline / "vae")).float().eval()
    tokenizer = CLIPTokenizer.from_pretrained(str(pipeline / "tokenizer"))
    unet = UNet2DConditionModel.from_pretrained(str(pipeline / "unet")).float().eval()
    text = CLIPTextModel.from_pretrained(str(pipeline / "text_encoder")).float().eval()
    data = encode_dataset(settings, vae, tokenizer, data_dir, log)
    seconds: dict[str, int] = {}
    for kind in kinds:
        shipped = model / f"controlnet-{kind}"
        if not (shipped / "config.json").is_file():
            raise FileNotFoundError(f"{shipped} holds no ControlNet to go on from")
        total = settings.controlnet_steps_of(kind)
        start = max(0, total - steps)
        kind_work = work / kind
        stage_dir = kind_work / f"controlnet-{kind}-stage"
        if not (stage_dir / "checkpoint" / "state.json").is_file():
            seed_checkpoint(settings, kind, shipped, unet, stage_dir, start)
        began = time.monotonic()
        controlnet = train_controlnet(settings, kind_work, log, kind, data, unet, text, tokenizer)
        seconds[kind] = round(time.monotonic() - began)
        scale_controlnet_output(controlnet, settings.export_scale_of(kind))
        tmp = model / f"controlnet-{kind}.partial"
        shutil.rmtree(tmp, ignore_errors=True)
        controlnet.to(torch.float16).save_pretrained(str(tmp), safe_serialization=True)
        shutil.rmtree(shipped)
        os.replace(tmp, shipped)
        log(f"controlnet-{kind}: steps {start}-{total} run again in {seconds[kind]} s")
    record(model, steps, seconds, tail_settings(settings, kinds))
    return seconds


def tail_settings(settings: TrainSettings, kinds: list[str]) -> dict[str, Any]:
    """The settings a tail of ``kinds`` ran with beyond the stage's own: its precision and,
    for the depth ControlNet, how its captions and loss treat the shapes' layering."""
    chosen: dict[str, Any] = {"bf16_autocast": settings.bf16_autocast}
    if "depth" in kinds:
        for name in ("depth_shuffled_order", "depth_overlap_weight", "depth_overlap_share"):
            chosen[name] = getattr(settings, name)
    return chosen


def record(
    model: Path, steps: int, seconds: dict[str, int], settings: dict[str, Any] | None = None
) -> None:
    """Note the run in the model's ``training.json`` (``controlnet_tail_runs``)."""
    info_path = model / "training.json"
    if not info_path.is_file():
        return
    info = json.loads(info_path.read_text("utf-8"))
    runs = info.setdefault("controlnet_tail_runs", [])
    run: dict[str, Any] = {"date": date.today().isoformat(), "steps": steps, "seconds": seconds}
    if settings:
        run["settings"] = settings
    runs.append(run)
    info_path.write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m f1studio.demo.train_tail", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--model", type=Path, default=Path("f1studio/resources/models/shapes-world")
    )
    parser.add_argument("--kinds", default=",".join(KINDS))
    parser.add_argument("--steps", type=int, default=600)
    parser.add_argument("--work", type=Path, default=Path("build/controlnet-tail"))
    parser.add_argument("--data", type=Path, default=Path("build/demo-recipe-ablation"))
    args = parser.parse_args(argv)
    kinds = [k for k in args.kinds.split(",") if k]
    unknown = sorted(set(kinds) - set(KINDS))
    if unknown:
        parser.error(f"unknown ControlNet kinds: {', '.join(unknown)} (known: {', '.join(KINDS)})")
    seconds = retrain_tail(args.model, kinds, args.steps, args.work, args.data)
    for kind, s in seconds.items():
        print(f"controlnet-{kind}: {s} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
