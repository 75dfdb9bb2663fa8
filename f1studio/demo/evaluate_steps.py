"""Step studies: how many steps each solver needs to come close to its own 100-step picture,
what ``steps: auto`` saves against a fixed step count, and what few-step (live) renders keep."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from f1studio.demo.evaluate_base import (
    PROMPT_PARTS,
    REFERENCE_STEPS,
    SOLVER_STEPS,
    SOLVER_TARGET,
    SOLVERS,
    Figures,
    Renderer,
    held_out_cases,
    keep_sample,
    mean_of,
    model_paths,
    pixels_of,
    prompt_scores,
)


def solver_distances(
    render: Callable[[str, int, str, int], np.ndarray],
    cases: Sequence[tuple[int, str]],
    solvers: Sequence[str] = SOLVERS,
    steps: Sequence[int] = SOLVER_STEPS,
    target: float = SOLVER_TARGET,
) -> tuple[dict[str, dict[int, float]], dict[str, int | None]]:
    """For any model: each solver's distance to its own 100-step picture after n steps (mean
    |diff| / 255 over ``cases``, (seed, prompt) pairs), and the fewest steps within ``target``
    (``None``: none of ``steps``). ``render(prompt, seed, scheduler, steps)`` is the picture."""
    distances: dict[str, dict[int, float]] = {}
    needed: dict[str, int | None] = {}
    for solver in solvers:
        per_steps: dict[int, list[float]] = {n: [] for n in steps}
        for seed, text in cases:
            ref = render(text, seed, solver, REFERENCE_STEPS).astype(np.float32)
            for n in steps:
                image = render(text, seed, solver, n).astype(np.float32)
                per_steps[n].append(float(np.abs(image - ref).mean() / 255))
        distances[solver] = {n: mean_of(v) for n, v in per_steps.items()}
        needed[solver] = next((n for n in steps if distances[solver][n] <= target), None)
    return distances, needed


def eval_solvers(r: Renderer, figures: Figures) -> None:
    """Distance to each solver's own 100-step picture after n steps (mean |diff| / 255)."""
    cases = list(held_out_cases(replace(r.settings, cases=r.settings.solver_cases)))

    def render(text: str, seed: int, solver: str, steps: int) -> np.ndarray:
        return r(text, seed=seed, scheduler=solver, steps=steps)[0]

    distances, needed = solver_distances(render, [(i, text) for i, _, _, text in cases])
    figures.solvers.update(distances)
    figures.solver_steps_needed.update(needed)
    if r.settings.write_step_plan:
        from f1studio.engine.adaptive import write_step_plan

        pipeline = model_paths(r.settings.model)[0]
        write_step_plan(pipeline, figures.solver_steps_needed, r.settings.guidance, SOLVER_TARGET)


def eval_auto_steps(r: Renderer, figures: Figures, planned: int = 25) -> None:
    """steps: auto (at most ``planned``) against a fixed ``planned`` steps: steps used,
    distance to the 100-step picture, and prompt adherence — on cases after the solver
    study's, so a step plan measured there is judged on scenes it was not measured on."""
    from f1studio.engine.adaptive import read_step_plan

    used, auto_dist, fixed_dist, between = [], [], [], []
    scores: dict[str, dict[str, list[float]]] = {"auto": {}, "fixed": {}}
    after_study = r.settings.first_index + r.settings.solver_cases
    cases = list(held_out_cases(replace(r.settings, cases=12, first_index=after_study)))
    for i, scene, rendered, text in cases:
        reference, _ = r(text, seed=i, steps=REFERENCE_STEPS)
        ref = reference.astype(np.float32)
        fixed, _ = r(text, seed=i, steps=planned)
        auto, steps = r(text, seed=i, steps=planned, auto_steps=True)
        used.append(steps)
        fixed_dist.append(float(np.abs(fixed.astype(np.float32) - ref).mean() / 255))
        auto_dist.append(float(np.abs(auto.astype(np.float32) - ref).mean() / 255))
        between.append(float(np.abs(auto.astype(np.float32) - fixed).mean() / 255))
        prompt_scores(fixed, scene, rendered, scores["fixed"])
        prompt_scores(auto, scene, rendered, scores["auto"])
    figures.auto = {
        "planned": planned,
        "mean_steps": mean_of(used),
        "distance_auto": mean_of(auto_dist),
        "distance_fixed": mean_of(fixed_dist),
        "distance_between": mean_of(between),
        "cases": len(cases),
    }
    for mode, parts in scores.items():
        for part in PROMPT_PARTS:
            figures.auto[f"{part}_{mode}"] = mean_of(parts[part])
    plan = read_step_plan(model_paths(r.settings.model)[0])
    if plan is not None and r.settings.scheduler in plan["steps"]:
        figures.auto["plan_steps"] = plan["steps"][r.settings.scheduler]


#: Live mode's demo-model settings (``gui.family_defaults.DEMO_LIVE``): 8 steps at strength
#: 0.65 from the canvas, i.e. 5 denoising steps, at guidance 3.
LIVE_STEPS = 8
LIVE_STRENGTH = 0.65
LIVE_GUIDANCE = 3.0
SKETCH_STREAM = 43


def live_settings(model: Path) -> dict[str, Any]:
    """What live mode renders the eval's model with besides its steps: the model's own
    few-step LoRA at that LoRA's sampler and guidance where it has one (``few-step/``, as the
    window's ``live_few_step``), else live mode's guidance."""
    from f1studio.demo.model import few_step_lora

    fast = few_step_lora(Path(model))
    return {"guidance_scale": LIVE_GUIDANCE} if fast is None else fast.request_args()


def eval_live(r: Renderer, figures: Figures) -> None:
    """Few-step renders: the caption at 4 steps as live mode renders (with the model's
    few-step LoRA where it has one; else at live mode's guidance), and without the LoRA at
    live mode's guidance and at the eval's, against the same at the eval's steps and guidance;
    and live mode's render of a rough colour sketch (8 steps at strength 0.65), with and
    without the LoRA."""
    from f1studio.demo.hand_guides import colour_sketch
    from f1studio.demo.world import HELD_OUT_SEED

    live = live_settings(r.settings.model)
    lora = "loras" in live
    modes = ["four", "four_prompt_guidance", "full", "sketch"]
    modes += ["four_plain", "sketch_plain"] if lora else []
    scores: dict[str, dict[str, list[float]]] = {mode: {} for mode in modes}
    plain = {"guidance_scale": LIVE_GUIDANCE}
    for i, scene, rendered, text in held_out_cases(r.settings):
        four, _ = r(text, seed=i, steps=4, **live)
        prompt_scores(four, scene, rendered, scores["four"])
        if lora:
            without, _ = r(text, seed=i, steps=4, **plain)
            prompt_scores(without, scene, rendered, scores["four_plain"])
        at_prompt_guidance, _ = r(text, seed=i, steps=4)
        prompt_scores(at_prompt_guidance, scene, rendered, scores["four_prompt_guidance"])
        if not figures.prompt:
            picture, _ = r(text, seed=i)
            prompt_scores(picture, scene, rendered, scores["full"])
        sketch = colour_sketch(scene, np.random.default_rng([HELD_OUT_SEED, SKETCH_STREAM, i]))
        sketched = dict(steps=LIVE_STEPS, strength=LIVE_STRENGTH, init_image=pixels_of(sketch))
        picture, _ = r(text, seed=i, **sketched, **live)
        prompt_scores(picture, scene, rendered, scores["sketch"])
        if lora:
            without, _ = r(text, seed=i, **sketched, **plain)
            prompt_scores(without, scene, rendered, scores["sketch_plain"])
        keep_sample(figures, i, "4 steps", four)
        keep_sample(figures, i, "sketch", sketch)
        keep_sample(figures, i, "live", picture)
    full = figures.prompt["adherence"] if figures.prompt else mean_of(scores["full"]["adherence"])
    figures.live = {
        f"{part}_{mode}": mean_of(scores[mode][part])
        for mode in modes
        if mode not in ("full", "four_prompt_guidance")
        for part in PROMPT_PARTS
    }
    figures.live["few_step_lora"] = float(lora)
    figures.live["adherence_four_prompt_guidance"] = mean_of(
        scores["four_prompt_guidance"]["adherence"]
    )
    figures.live["adherence_full"] = full
    figures.live["kept"] = figures.live["adherence_four"] / full if full else float("nan")
