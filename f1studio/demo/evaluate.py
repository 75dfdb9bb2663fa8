"""How well the demo model obeys prompts, regions, guides and inpaint masks (``f1studio eval``).

Every case is a held-out scene (:data:`world.HELD_OUT_SEED`, never used in training) rendered
through the normal engine (:func:`f1studio.engine.runner.run`) and measured with plain image
analysis (:mod:`f1studio.demo.analysis`). The figures are written by :mod:`f1studio.demo.report`.
The shared pieces live in :mod:`~f1studio.demo.evaluate_base`, the hand-made guides and the
live-style render in :mod:`~f1studio.demo.evaluate_hand`, the solver studies in
:mod:`~f1studio.demo.evaluate_steps`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

import cv2
import numpy as np

from f1studio.demo import analysis
from f1studio.demo.evaluate_base import (
    PROMPT_PARTS,
    REFERENCE_STEPS,
    SOLVER_STEPS,
    SOLVER_TARGET,
    EvalSettings,
    Figures,
    Renderer,
    held_out_cases,
    interior,
    keep_sample,
    mean_of,
    pixels_of,
    prompt_scores,
)
from f1studio.demo.evaluate_control import eval_control
from f1studio.demo.evaluate_guides import (
    eval_depth,
    eval_edges,
    eval_hand_edges,
    eval_painted_depth,
)
from f1studio.demo.evaluate_layout import eval_layout
from f1studio.demo.evaluate_steps import eval_auto_steps, eval_live, eval_solvers
from f1studio.demo.hand_guides import painted_mask
from f1studio.demo.world import COLORS, HELD_OUT_SEED, SHAPES, SIZES, caption, shape_phrase

__all__ = [
    "eval_autoencoder",
    "PROMPT_PARTS",
    "REFERENCE_STEPS",
    "SOLVER_STEPS",
    "SOLVER_TARGET",
    "TESTS",
    "EvalSettings",
    "Figures",
    "Renderer",
    "eval_auto_steps",
    "eval_control",
    "eval_depth",
    "eval_edges",
    "eval_hand_edges",
    "eval_inpaint",
    "eval_layout",
    "eval_live",
    "eval_painted_depth",
    "eval_prompt",
    "eval_regions",
    "eval_solvers",
    "evaluate",
]

# -- the measurements ---------------------------------------------------------------------


def eval_prompt(r: Renderer, figures: Figures) -> None:
    """Whole-caption adherence, and per shape: colour found, kind right, position right."""
    scores: dict[str, list[float]] = {}
    for i, scene, rendered, text in held_out_cases(r.settings):
        image, _ = r(text, seed=i)
        prompt_scores(image, scene, rendered, scores)
        keep_sample(figures, i, "world", rendered.image)
        keep_sample(figures, i, "prompt", image)
    figures.prompt = {part: mean_of(scores[part]) for part in PROMPT_PARTS}
    for size in SIZES:  # where the kinds go wrong: mostly in small shapes
        figures.prompt[f"shape_kind_{size}"] = mean_of(scores.get(f"shape_kind_{size}", []))
        figures.prompt[f"shapes_{size}"] = len(scores.get(f"shape_kind_{size}", []))
    for kind in SHAPES:  # which kinds come out as blobs of another kind
        figures.prompt[f"kind_right_{kind}"] = mean_of(scores.get(f"kind_right_{kind}", []))
        figures.prompt[f"shapes_{kind}"] = len(scores.get(f"kind_right_{kind}", []))
    for part in ("kind_swapped", "kind_unasked"):
        figures.prompt[part] = mean_of(scores[part])
    figures.prompt["cases"] = len(scores["adherence"])


def eval_regions(r: Renderer, figures: Figures) -> None:
    """Each shape's mask becomes a region asking for that shape alone (a one-shape caption:
    the engine reads "global, region" inside a region, so the global prompt stays empty).
    Also: each region's shape kind right; and the same with region prompts that name only
    their shape (no background clause: what a user types into a region). Baseline: the same
    seed with no regions."""
    from f1studio.engine.request import RegionSpec

    with_regions: list[float] = []
    shape_only: list[float] = []
    without: list[float] = []
    kinds: list[float] = []
    shape_only_kinds: list[float] = []
    for i, scene, rendered, _ in held_out_cases(r.settings):
        pairs = list(zip(scene.shapes, rendered.masks, strict=True))
        captioned = tuple(
            RegionSpec(mask=pixels_of(mask), prompt=caption(replace(scene, shapes=(shape,))))
            for shape, mask in pairs
        )
        named = tuple(
            RegionSpec(mask=pixels_of(mask), prompt=shape_phrase(shape)) for shape, mask in pairs
        )
        image, _ = r("", seed=i, regions=captioned)
        short, _ = r("", seed=i, regions=named)
        plain, _ = r("", seed=i)
        for shape, mask in pairs:
            inner = interior(mask)
            with_regions.append(analysis.colour_fraction(image, inner, shape.color))
            shape_only.append(analysis.colour_fraction(short, inner, shape.color))
            without.append(analysis.colour_fraction(plain, inner, shape.color))
        for picture, out in ((image, kinds), (short, shape_only_kinds)):
            fits = analysis.fit_shapes(picture, scene)
            out.extend(float(f.kind == s.kind) for f, s in zip(fits, scene.shapes, strict=True))
        keep_sample(figures, i, "regions", image)
    figures.regions = {
        "adherence": mean_of(with_regions),
        "baseline": mean_of(without),
        "kind": mean_of(kinds),
        "shape_only": mean_of(shape_only),
        "shape_only_kind": mean_of(shape_only_kinds),
        "regions": len(with_regions),
    }


#: The random stream of the masks brushed by hand in the inpaint test (held-out scenes).
PAINTED_MASK_STREAM = 44


def _repaint(
    r: Renderer, text: str, seed: int, init: np.ndarray, mask: np.ndarray, controlnet: str | None
) -> np.ndarray:
    """``init`` with ``mask`` (uint8) regenerated from scratch for ``text``."""
    from f1studio.engine.request import InpaintSpec

    spec = InpaintSpec(mask=pixels_of(mask), strength=1.0, feather=0, controlnet=controlnet)
    image, _ = r(text, seed=seed, init_image=pixels_of(init), inpaint=spec)
    return image


def eval_inpaint(r: Renderer, figures: Figures) -> None:
    """Repaint one shape in another colour: outside must stay bit-identical. The mask is the
    shape grown by 3 px, and then one brushed over it by hand (``painted_mask``, well past the
    outline); both with the model's inpaint ControlNet (as the window renders inpaint masks),
    the first also without it for comparison."""
    identical, follows, keeps_old, plain, painted = [], [], [], [], []
    names = list(COLORS)
    for i, scene, rendered, _ in held_out_cases(r.settings):
        k = len(scene.shapes) - 1  # the front shape: fully visible
        old = scene.shapes[k]
        choices = [c for c in names if c not in (*scene.background, old.color)]
        new_colour = choices[i % len(choices)]
        changed = replace(scene, shapes=scene.shapes[:k] + (replace(old, color=new_colour),))
        mask = cv2.dilate(rendered.masks[k], np.ones((7, 7), np.uint8))
        init = rendered.image
        inner = interior(rendered.masks[k])
        image = _repaint(r, caption(changed), i, init, mask, r.inpaint)
        outside = mask == 0
        identical.append(float(np.array_equal(image[outside], init[outside])))
        follows.append(analysis.colour_fraction(image, inner, new_colour))
        keeps_old.append(analysis.colour_fraction(image, inner, old.color))
        if r.inpaint is not None:
            without = _repaint(r, caption(changed), i, init, mask, None)
            plain.append(analysis.colour_fraction(without, inner, new_colour))
        brushed = painted_mask(
            rendered.masks[k], np.random.default_rng([HELD_OUT_SEED, PAINTED_MASK_STREAM, i])
        )
        rough = _repaint(r, caption(changed), i, init, brushed.astype(np.uint8) * 255, r.inpaint)
        identical.append(float(np.array_equal(rough[~brushed], init[~brushed])))
        painted.append(analysis.colour_fraction(rough, inner, new_colour))
        keep_sample(figures, i, "inpaint", image)
    figures.inpaint = {
        "outside_identical": mean_of(identical),
        "inside_new_colour": mean_of(follows),
        "inside_old_colour": mean_of(keeps_old),
        "inside_new_colour_painted_mask": mean_of(painted),
    }
    if plain:
        figures.inpaint["inside_new_colour_without_controlnet"] = mean_of(plain)


#: Noise levels of the denoiser measure (of the scheduler's 1000 training timesteps).
DENOISER_TIMESTEPS = (100, 300, 500)


def eval_autoencoder(r: Renderer, figures: Figures) -> None:
    """The model's autoencoder alone: held-out scenes encoded and decoded (latent means),
    edge F1 of the result against the scenes' true outlines (the ceiling of every edge
    measure above). Then the denoiser at its best: the same latents noised to each of
    :data:`DENOISER_TIMESTEPS` and denoised in one step (the clean latent the UNet predicts
    from its caption, decoded): how much of an outline the UNet keeps (beyond the lightest
    noise part of the loss is the noise's own, as a one-step estimate is a mean). The round
    trip's pictures are also scored as the prompt test scores a render (adherence, kind,
    position): what a UNet that drew every latent exactly right would score, the ceiling
    this autoencoder sets on the prompt figures."""
    import torch
    from diffusers import AutoencoderKL, DDPMScheduler, UNet2DConditionModel
    from transformers import CLIPTextModel, CLIPTokenizer

    from f1studio.engine.previews import predicted_x0

    vae = AutoencoderKL.from_pretrained(f"{r.pipeline}/vae", torch_dtype=torch.float32)
    cases = list(held_out_cases(r.settings))

    def pictures(latents: torch.Tensor) -> list[np.ndarray]:
        y = vae.decode(latents).sample.permute(0, 2, 3, 1).numpy()
        return [((x + 1.0) * 127.5).clip(0, 255).round().astype(np.uint8) for x in y]

    def f1s(images: list[np.ndarray]) -> list[float]:
        return [
            analysis.edge_f1(image, rendered.edges)
            for image, (_, _, rendered, _) in zip(images, cases, strict=True)
        ]

    with torch.no_grad():
        x = torch.from_numpy(np.stack([c[2].image for c in cases]).astype(np.float32) / 127.5 - 1)
        means = vae.encode(x.permute(0, 3, 1, 2)).latent_dist.mean
        round_trips = pictures(means)
        scores = f1s(round_trips)
        figures.autoencoder = {"f1": mean_of(scores), "f1_min": float(min(scores))}
        ceiling: dict[str, list[float]] = {}
        for image, (_, scene, rendered, _) in zip(round_trips, cases, strict=True):
            prompt_scores(image, scene, rendered, ceiling)
        for part in ("adherence", "shape_kind", "shape_position"):
            figures.autoencoder[f"ceiling_{part}"] = mean_of(ceiling[part])
        figures.autoencoder["ceiling_kind_small"] = mean_of(ceiling.get("shape_kind_small", []))
        unet = UNet2DConditionModel.from_pretrained(f"{r.pipeline}/unet", torch_dtype=torch.float32)
        text_encoder = CLIPTextModel.from_pretrained(
            f"{r.pipeline}/text_encoder", torch_dtype=torch.float32
        )
        tokenizer = CLIPTokenizer.from_pretrained(f"{r.pipeline}/tokenizer")
        scheduler = DDPMScheduler.from_pretrained(f"{r.pipeline}/scheduler")
        prediction = scheduler.config.prediction_type
        ids = tokenizer(
            [c[3] for c in cases],
            padding="max_length",
            max_length=tokenizer.model_max_length,
            truncation=True,
            return_tensors="pt",
        ).input_ids
        states = text_encoder(ids)[0]
        clean = means * vae.config.scaling_factor
        noise = torch.randn(clean.shape, generator=torch.Generator().manual_seed(0))
        for step in DENOISER_TIMESTEPS:
            t = torch.full((len(cases),), step)
            noised = scheduler.add_noise(clean, noise, t)
            out = unet(noised, t, states).sample
            x0 = torch.cat(
                [
                    predicted_x0(
                        noised[k : k + 1],
                        out[k : k + 1],
                        step,
                        scheduler.alphas_cumprod,
                        prediction,
                    )
                    for k in range(len(cases))
                ]
            )
            figures.autoencoder[f"x0_f1_{step}"] = mean_of(
                f1s(pictures(x0 / vae.config.scaling_factor))
            )


TESTS: dict[str, Callable[[Renderer, Figures], None]] = {
    "autoencoder": eval_autoencoder,
    "prompt": eval_prompt,
    "regions": eval_regions,
    "edges": eval_edges,
    "depth": eval_depth,
    "inpaint": eval_inpaint,
    "hand-edges": eval_hand_edges,
    "painted-depth": eval_painted_depth,
    "live": eval_live,
    "layout": eval_layout,
    "control": eval_control,
    "solvers": eval_solvers,
    "auto": eval_auto_steps,
}


def evaluate(
    settings: EvalSettings,
    only: tuple[str, ...] = tuple(TESTS),
    progress: Callable[[str], None] = lambda _: None,
) -> Figures:
    began = time.monotonic()
    renderer = Renderer(settings)
    figures = Figures(settings)
    for name in only:
        progress(f"{name}…")
        started = time.monotonic()
        first = renderer.renders

        def heartbeat(
            count: int, name: str = name, first: int = first, started: float = started
        ) -> None:
            done = count - first
            if done % 25 == 0:
                seconds = time.monotonic() - started
                progress(f"{name}: {done} renders, {seconds / done:.2f}s each")

        renderer.on_render = heartbeat
        TESTS[name](renderer, figures)
        progress(f"{name}: done in {time.monotonic() - started:.0f}s")
    figures.seconds = time.monotonic() - began
    return figures
