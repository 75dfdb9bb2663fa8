"""Which UNet training recipe learns the shapes world fastest for the same CPU time.

    python benchmarks/demo_recipe_ablation.py [--steps 2000] [--cases 50] [--first-case 0]
        [--base "scenes=6000"]
        [--arms "base;unet_batch=16,unet_steps=4000;unet_lr=0.0008"] [--work DIR]
        [--world "upright_share=0.5"]

Each arm is the full run's settings (``f1studio.demo.train_settings.FULL``) with
``unet_steps=--steps``, no region or grounding phase (and no grounding term), and the arm's
own overrides (``name=value`` pairs, comma-separated; ``base`` is none). Every arm trains the
UNet from scratch through the real stage (``train_stages.train_unet``: EMA, high-noise share,
the text encoder training beside it) on the same pre-encoded scenes, starting from the same
text encoder (the text stage, trained once). Then it renders ``--cases`` held-out captions
through the engine (20 steps, dpmpp-2m, guidance 5) and prints: wall time, the eval's prompt
figures, and shape kind right split by the number of shapes in the scene (one shape against
two to four).

``--world`` changes the world's own settings (:data:`f1studio.demo.world.UPRIGHT_SHARE`) for
the scenes of every arm and of the held-out captions. Most captions stay the same (at
``upright_share=0.5``, 40 of the first 300 differ: a shape turned otherwise changes which
placements keep every shape visible), so compare with the plain world's arm scored on the
same held-out captions (``--score-only DIR``).

Every stage resumes from its checkpoints under ``--work``, so a stopped run goes on.
The autoencoder is the shipped model's.
"""

from __future__ import annotations

import argparse
import copy
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def parse_arm(text: str, base):  # noqa: ANN001, ANN201 - TrainSettings in, TrainSettings out
    """``"name=value,name=value"`` (or ``"base"``) applied to ``base``
    (``train_settings.overridden``)."""
    from f1studio.demo.train_settings import overridden

    try:
        return overridden(base, text)
    except ValueError as exc:
        raise SystemExit(f"{exc} (arm {text!r})") from None


def set_world(text: str) -> None:
    """``"name=value,..."``: module settings of :mod:`f1studio.demo.world` (by their lower-case
    names, e.g. ``upright_share=0.5``) for this run's scenes, training and held-out alike."""
    from f1studio.demo import world

    for pair in filter(None, (p.strip() for p in text.split(","))):
        name, _, value = pair.partition("=")
        constant = name.strip().upper()
        if not isinstance(getattr(world, constant, None), float):
            raise SystemExit(f"unknown world setting {name!r}")
        setattr(world, constant, float(value))


def prompt_figures(model: Path, cases: int, first_case: int = 0) -> dict[str, float]:
    """The eval's prompt figures of ``model`` on ``cases`` held-out captions from
    ``first_case``, plus shape kind right in one-shape scenes (``kind_one``) and in scenes of
    two to four (``kind_more``), and by the caption's size word (``shape_kind_small`` ...)."""
    from f1studio.demo import analysis
    from f1studio.demo.evaluate_base import (
        EvalSettings,
        Renderer,
        held_out_cases,
        mean_of,
        prompt_scores,
    )

    settings = EvalSettings(model=model, cases=cases, first_index=first_case)
    render = Renderer(settings)
    scores: dict[str, list[float]] = {"kind_one": [], "kind_more": []}
    for index, scene, rendered, text in held_out_cases(settings):
        image, _ = render(text, seed=index)
        prompt_scores(image, scene, rendered, scores)
        for shape, fit in zip(scene.shapes, analysis.fit_shapes(image, scene), strict=True):
            right = fit.iou >= analysis.MIN_IOU and fit.kind == shape.kind
            scores["kind_one" if len(scene.shapes) == 1 else "kind_more"].append(float(right))
    return {name: mean_of(values) for name, values in scores.items()}


def figures_row(p: dict[str, float]) -> str:
    """:func:`prompt_figures` as one line of a printed table."""
    return (
        f"adherence {p['adherence']:.0%}  colour {p['shape_colour']:.0%}  kind "
        f"{p['shape_kind']:.0%} (one shape {p['kind_one']:.0%}, 2-4 shapes {p['kind_more']:.0%};"
        f" small {p.get('shape_kind_small', float('nan')):.0%}, medium "
        f"{p.get('shape_kind_medium', float('nan')):.0%}, large "
        f"{p.get('shape_kind_large', float('nan')):.0%})"
        f"  position {p['shape_position']:.0%}  size {p['shape_size']:.0%}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--cases", type=int, default=50)
    parser.add_argument(
        "--first-case",
        type=int,
        default=0,
        help="score on held-out captions from this one (50: past the report's own 50)",
    )
    parser.add_argument(
        "--base", default="", help="overrides of every arm's settings, as an arm's (name=value,...)"
    )
    parser.add_argument("--arms", default="base;unet_batch=16,unet_steps=4000;unet_lr=0.0008")
    parser.add_argument("--work", type=Path, default=Path("build/demo-recipe-ablation"))
    parser.add_argument(
        "--world",
        default="",
        help="the world's settings for every arm, name=value,... (upright_share=0.5); scenes "
        "differ, so give such a run its own --work",
    )
    parser.add_argument(
        "--score-only",
        type=Path,
        help="only score this pipeline folder (an arm's pipeline) on the held-out captions",
    )
    args = parser.parse_args(argv)
    set_world(args.world)
    if args.score_only is not None:
        print(
            f"{args.score_only}: {figures_row(prompt_figures(args.score_only, args.cases, args.first_case))}"
        )
        return 0

    import torch
    from diffusers import AutoencoderKL
    from transformers import CLIPTokenizer

    from f1studio.demo.model import DEMO_ROOT
    from f1studio.demo.train_data import encode_dataset
    from f1studio.demo.train_export import demo_pipeline
    from f1studio.demo.train_loop import Log
    from f1studio.demo.train_settings import FULL
    from f1studio.demo.train_stages import train_unet
    from f1studio.demo.train_text import train_text_encoder
    from f1studio.demo.vocab import write_tokenizer

    torch.set_num_threads(FULL.threads)
    args.work.mkdir(parents=True, exist_ok=True)
    log = Log(args.work / "ablation.log")
    vae = AutoencoderKL.from_pretrained(str(DEMO_ROOT / "pipeline" / "vae")).float().eval()
    if not (args.work / "tokenizer" / "vocab.json").is_file():
        write_tokenizer(args.work / "tokenizer")
    tokenizer = CLIPTokenizer.from_pretrained(str(args.work / "tokenizer"))
    plain = replace(
        FULL,
        unet_steps=args.steps,
        region_steps=0,
        grounding_steps=0,
        low_noise_steps=0,
        grounding_weight=0.0,
    )
    base = parse_arm(args.base, plain)
    data = encode_dataset(base, vae, tokenizer, args.work, log)
    text_encoder = train_text_encoder(base, args.work, log, data, tokenizer)
    rows = []
    for number, arm in enumerate(args.arms.split(";")):
        settings = parse_arm(arm, base)
        work = args.work / f"arm-{number}"
        work.mkdir(exist_ok=True)
        began = time.monotonic()
        unet, text = train_unet(settings, work, log, data, tokenizer, copy.deepcopy(text_encoder))
        minutes = (time.monotonic() - began) / 60
        folder = work / "pipeline"
        if not (folder / "model_index.json").is_file():
            demo_pipeline(vae, text.eval(), tokenizer, unet.eval()).save_pretrained(
                str(folder), safe_serialization=True
            )
        p = prompt_figures(folder, args.cases, args.first_case)
        row = f"{arm:40s} {minutes:5.1f} min  {figures_row(p)}"
        log(row)
        rows.append(row)
    print(
        f"recipe ablation: {args.steps} steps base, {args.cases} held-out cases "
        f"from {args.first_case}"
    )
    for row in rows:
        print(row)
    return 0


if __name__ == "__main__":
    sys.exit(main())
