"""The evaluation report: a Markdown table of the figures and a PNG grid of sample renders."""

from __future__ import annotations

import math
from pathlib import Path

import cv2
import numpy as np

from f1studio.demo.evaluate import (
    PROMPT_PARTS,
    REFERENCE_STEPS,
    SOLVER_STEPS,
    SOLVER_TARGET,
    EvalSettings,
    Figures,
)
from f1studio.demo.evaluate_guides import FILLED, LARGE_OUTLINE_EXTENTS, LARGE_OUTLINE_SEEDS
from f1studio.demo.evaluate_steps import LIVE_GUIDANCE
from f1studio.demo.model import guide_defaults
from f1studio.demo.world import HELD_OUT_SEED, SHAPES, SIZES

#: The goals of the demo model (issue 14), per measure.
GOALS = {
    "autoencoder": 0.95,
    "prompt": 0.90,
    "kind": 0.95,
    "position": 0.90,
    "regions": 0.95,
    "region_kind": 0.90,
    "edges": 0.85,
    "hand_edges": 0.85,
    "painted_depth": 0.8,
    "inpaint": 0.80,
    "live_kept": 0.90,
    # text to layout (issue 15)
    "layout": 0.90,
    "layout_position": 0.95,
    "relation": 0.95,
}
CASE_COLUMNS = (
    "world",
    "prompt",
    "regions",
    "edge guide",
    "edges",
    "hand-drawn edges",
    "hand edges",
    "inpaint",
    "4 steps",
    "sketch",
    "live",
    "layout",
)
DEPTH_COLUMNS = ("depth guide", "depth", "painted depth", "painted")


def _pct(value: float) -> str:
    return "–" if value is None or math.isnan(value) else f"{100 * value:.1f}%"


def _num(value: float, digits: int = 3) -> str:
    return "–" if value is None or math.isnan(value) else f"{value:.{digits}f}"


def _target(value: float, goal: str, percent: bool = True) -> str:
    """``≥ 90% (met)``: the goal of measure ``goal`` and whether ``value`` meets it."""
    wanted = GOALS[goal]
    shown = f"{100 * wanted:.0f}%" if percent else f"{wanted:g}"
    if value is None or math.isnan(value):
        return f"≥ {shown}"
    return f"≥ {shown} ({'met' if value >= wanted else 'not met'})"


def _guide_line(model: Path) -> str:
    """What the guide rows render at: the Weight and Mode a new guide layer takes with the
    model in the window (its ``guide_defaults.json``), where it suggests any."""
    found = guide_defaults(model)
    if not found:
        return ""
    parts = [
        f"{kind} weight {v.get('weight', 1.0):g}, Mode {v.get('balance', 0.0):+g}"
        for kind, v in sorted(found.items())
    ]
    return (
        " Guides render at the Weight and Mode a new guide layer takes with this model in the "
        f'window ({"; ".join(parts)}: `guide_defaults.json`; Mode +1 is "the guide is more '
        'important"); rows marked *balanced* render the same guides at weight 1, Mode 0.'
    )


def _cases_line(s: EvalSettings) -> str:
    if s.scene_seed != HELD_OUT_SEED:
        last = s.first_index + s.cases - 1
        return (
            f"{s.cases} **training** scenes (numbers {s.first_index}–{last} of world seed "
            f"{s.scene_seed}: the model learned from these)"
        )
    if not s.first_index:
        return f"{s.cases} held-out cases"
    last = s.first_index + s.cases - 1
    return f"{s.cases} held-out cases (numbers {s.first_index}–{last})"


def markdown(f: Figures) -> str:
    s = f.settings
    lines = [
        "# Shapes-world fidelity evaluation",
        "",
        f"Model `{s.model}`; {_cases_line(s)}; {s.steps} steps, {s.scheduler}, "
        f"guidance {s.guidance:g}, 128×128; {f.seconds / 60:.1f} min on this machine."
        + _guide_line(s.model),
        "",
        "| Test | Measure | Result | Baseline | Goal |",
        "|---|---|---|---|---|",
    ]
    if f.autoencoder:
        a = f.autoencoder
        lines.append(
            "| Autoencoder | held-out scenes encoded and decoded: edge F1 (±2 px) against the "
            f"true outlines · the worst case | {_num(a['f1'])} · {_num(a['f1_min'])} | "
            f"| {_target(a['f1'], 'autoencoder', percent=False)} |"
        )
        if "ceiling_adherence" in a:
            lines.append(
                "| Autoencoder | the same round trips scored as the prompt test scores a render "
                "(the most a UNet on this autoencoder could score): adherence · shape kind · "
                "kind of the small shapes · position "
                f"| {_pct(a['ceiling_adherence'])} · {_pct(a['ceiling_shape_kind'])} · "
                f"{_pct(a['ceiling_kind_small'])} · {_pct(a['ceiling_shape_position'])} | | |"
            )
        noise_levels = [int(k.rsplit("_", 1)[1]) for k in a if k.startswith("x0_f1_")]
        if noise_levels:
            lines.append(
                "| Denoiser | the same scenes noised to timestep "
                + " · ".join(str(t) for t in noise_levels)
                + " (of 1000) and denoised in one step from their caption (the UNet's predicted "
                "clean latent, decoded): edge F1 "
                f"| {' · '.join(_num(a[f'x0_f1_{t}']) for t in noise_levels)} | | |"
            )
    if f.prompt:
        p = f.prompt
        lines += [
            f"| Prompt | renders whose shapes have the caption's colours, kinds and positions "
            f"| {_pct(p['adherence'])} | | {_target(p['adherence'], 'prompt')} |",
            f"| Prompt | shape kind right | {_pct(p['shape_kind'])} | "
            f"| {_target(p['shape_kind'], 'kind')} |",
            f"| Prompt | shape position right (3×3 grid cell) | {_pct(p['shape_position'])} | "
            f"| {_target(p['shape_position'], 'position')} |",
            "| Prompt, per part | background colour · shape colour found · size word "
            f"| {_pct(p['background'])} · {_pct(p['shape_colour'])} · "
            f"{_pct(p.get('shape_size', float('nan')))} | | |",
        ]
        if "shape_kind_small" in p:  # reports written before it was measured have none
            lines.append(
                "| Prompt, per part | shape kind right for the caption's small · medium · large "
                "shapes (how many) | "
                + " · ".join(
                    f"{_pct(p[f'shape_kind_{s}'])} ({int(p[f'shapes_{s}'])})" for s in SIZES
                )
                + " | | |"
            )
        if "kind_right_triangle" in p:  # nor this
            lines.append(
                "| Prompt, per part | shape kind right for the caption's circles · squares · "
                "triangles (how many) | "
                + " · ".join(
                    f"{_pct(p[f'kind_right_{k}'])} ({int(p[f'shapes_{k}'])})" for k in SHAPES
                )
                + " | | |"
            )
        if "kind_swapped" in p:
            lines.append(
                "| Prompt, per part | shapes drawn in a wrong kind: one the caption gives "
                "another of its shapes (kinds swapped) · one no shape of it has | "
                f"{_pct(p['kind_swapped'])} · {_pct(p['kind_unasked'])} | | |"
            )
    if f.regions:
        g = f.regions
        lines += [
            f"| Regions | region pixels in the asked colour (baseline: no regions) "
            f"| {_pct(g['adherence'])} | {_pct(g['baseline'])} "
            f"| {_target(g['adherence'], 'regions')} |",
            f"| Regions | the region's shape kind right | {_pct(g.get('kind', float('nan')))} | "
            f"| {_target(g.get('kind', float('nan')), 'region_kind')} |",
            "| Regions, prompts naming only their shape (no background clause) | asked colour · "
            f"shape kind right | {_pct(g.get('shape_only', float('nan')))} · "
            f"{_pct(g.get('shape_only_kind', float('nan')))} | | |",
        ]
    if f.edges:
        e = f.edges
        lines += [
            f"| Edge guide (exact outlines) | edge F1 (±2 px), caption + guide (baseline: caption "
            f"only) | {_num(e['f1_guide'])} | {_num(e['f1_caption'])} "
            f"| {_target(e['f1_guide'], 'edges', percent=False)} |",
            f"| Edge guide (exact outlines) | edge F1, empty prompt + guide (baseline: empty "
            f"prompt) | {_num(e['f1_guide_only'])} | {_num(e['f1_none'])} | |",
        ]
    if f.hand_edges:
        h = f.hand_edges
        lines += [
            f"| Edge guide (drawn by hand) | edge F1 against the true outlines, caption + guide "
            f"| {_num(h['f1'])} | | {_target(h['f1'], 'hand_edges', percent=False)} |",
            f"| Edge guide (drawn by hand) | shape kind right | {_pct(h['kind'])} | | |",
        ]
        if "f1_balanced" in h:
            lines.append(
                "| Edge guide (drawn by hand), *balanced* | edge F1 · shape kind right "
                f"| {_num(h['f1_balanced'])} · {_pct(h['kind_balanced'])} | | |"
            )
        lines += [
            "| Edge guide (drawn by hand) | one small · medium · large shape: edge F1 "
            f"| {_num(h['f1_small'])} · {_num(h['f1_medium'])} · {_num(h['f1_large'])} | | |",
            "| Edge guide (drawn by hand) | one small · medium · large shape: kind right "
            f"| {_pct(h['kind_small'])} · {_pct(h['kind_medium'])} · {_pct(h['kind_large'])} "
            "| | |",
            "| Edge guide (drawn by hand) | one small · medium · large shape: its inside (2 px "
            "in) in the caption's colour "
            f"| {_pct(h['fill_small'])} · {_pct(h['fill_medium'])} · {_pct(h['fill_large'])} "
            "| | |",
            "| Edge guide (drawn by hand) | the same single shapes, the caption's size word "
            "wrong (small → large, medium → large, large → small): edge F1 · the shape's "
            "colour drawn outside its outline (baseline: the right size word) "
            f"| {_num(h['f1_wrong_size'])} · {_pct(h['spill_wrong_size'])} "
            f"| {_pct(h['spill'])} | |",
        ]
        if "large_fill" in h:
            extents = " · ".join(f"{round(e * 2 * 128)}" for e in LARGE_OUTLINE_EXTENTS)
            lines.append(
                f"| Edge guide (drawn by hand) | one large square · triangle in the middle "
                f"({extents} px across, {LARGE_OUTLINE_SEEDS} renders each): filled, at least "
                f"{FILLED:.0%} of its inside in the caption's colour (not drawn hollow) · the "
                f"mean share of the inside in its colour | {_pct(h['large_filled_square'])} · "
                f"{_pct(h['large_filled_triangle'])} · {_pct(h['large_fill'])} | | |"
            )
    for label, d, goal in (
        ("Depth guide (exact)", f.depth, None),
        ("Depth guide (painted)", f.painted_depth, "painted_depth"),
    ):
        if not d:
            continue
        rank = d["rank_correlation_guide"]
        lines += [
            f"| {label} | rank correlation of shape layering with the guide; prompt lists "
            f"shapes in the opposite order ({d['cases']} overlapping scenes) "
            f"| {_num(rank, 2)} | {_num(d['rank_correlation_no_guide'], 2)} "
            f"| {_target(rank, goal, percent=False) if goal else ''} |",
            f"| {label} | edge F1 of the shapes' outlines, same scenes and prompts "
            f"(baseline: no guide) | {_num(d['outline_f1_guide'])} "
            f"| {_num(d['outline_f1_no_guide'])} | |",
        ]
        if "rank_correlation_balanced" in d:
            lines.append(
                f"| {label}, *balanced* | rank correlation of the layering · outline edge F1 "
                f"| {_num(d['rank_correlation_balanced'], 2)} · "
                f"{_num(d['outline_f1_balanced'])} | | |"
            )
    if f.inpaint:
        p = f.inpaint
        lines += [
            f"| Inpaint | outside pixels bit-identical | {_pct(p['outside_identical'])} | | 100% |",
            f"| Inpaint | inside pixels in the new colour (baseline: still the old colour) "
            f"| {_pct(p['inside_new_colour'])} | {_pct(p['inside_old_colour'])} "
            f"| {_target(p['inside_new_colour'], 'inpaint')} |",
        ]
        if "inside_new_colour_painted_mask" in p:
            lines.append(
                "| Inpaint | the same with a mask brushed over the shape by hand (4-13 px past "
                f"its outline, ragged) | {_pct(p['inside_new_colour_painted_mask'])} | | |"
            )
        if "inside_new_colour_without_controlnet" in p:
            lines.append(
                "| Inpaint | the same, masked re-noising alone (without the inpaint ControlNet) "
                f"| {_pct(p['inside_new_colour_without_controlnet'])} | | |"
            )
    if f.live:
        lines += _live_rows(f.live, s.steps, s.guidance)
    if f.layout:
        lines += _layout_rows(f.layout)
    if f.control:
        lines += _control_rows(f.control)
    if f.solvers:
        lines += [
            "",
            f"## Solver study: distance to each solver's own {REFERENCE_STEPS}-step picture",
            "",
            "Mean absolute pixel difference (fraction of full scale), "
            f"{s.solver_cases} cases; target ≤ {SOLVER_TARGET:g}.",
            "",
            "| Solver | " + " | ".join(str(n) for n in SOLVER_STEPS) + " | steps to target |",
            "|---|" + "---|" * (len(SOLVER_STEPS) + 1),
        ]
        for solver, row in f.solvers.items():
            needed = f.solver_steps_needed.get(solver)
            lines.append(
                f"| {solver} | "
                + " | ".join(_num(row[n], 4) for n in SOLVER_STEPS)
                + f" | {needed if needed is not None else f'> {SOLVER_STEPS[-1]}'} |"
            )
    if f.auto:
        auto = f.auto
        lines += [
            "",
            "## Steps: auto",
            "",
            f"At most {auto['planned']} steps against a fixed {auto['planned']}, "
            f"{auto['cases']} cases "
            "(scenes after the solver study's). "
            + (
                f"The model's step plan (`step_plan.json`, from the solver study) gives "
                f"{auto['plan_steps']} steps for {s.scheduler}."
                if "plan_steps" in auto
                else "The model has no step plan: auto stops once the predicted picture settles."
            ),
            "",
            "| | Mean steps | Distance to 100 steps | Prompt adherence | Background "
            "| Shape colour | Kind | Position |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for mode, steps in (("fixed", str(auto["planned"])), ("auto", _num(auto["mean_steps"], 1))):
            lines.append(
                f"| {mode} | {steps} | {_num(auto[f'distance_{mode}'], 4)} | "
                + " | ".join(_pct(auto[f"{part}_{mode}"]) for part in PROMPT_PARTS)
                + " |"
            )
        lines += [
            "",
            f"Mean difference between the auto and the fixed picture: "
            f"{_num(auto['distance_between'], 4)}.",
        ]
    return "\n".join(lines) + "\n"


def _layout_rows(a: dict[str, float]) -> list[str]:
    """Text to layout: the prompt alone against the prompt laid out (issue 15)."""
    rows = [
        f"| Layout | adherence, {int(a['cases'])} captions of 1–3 shapes: with Layout "
        f"(baseline: the prompt alone) | {_pct(a['layout_adherence'])} "
        f"| {_pct(a['plain_adherence'])} | {_target(a['layout_adherence'], 'layout')} |",
        f"| Layout | shape position right | {_pct(a['layout_shape_position'])} "
        f"| {_pct(a['plain_shape_position'])} "
        f"| {_target(a['layout_shape_position'], 'layout_position')} |",
        "| Layout, per part | background · shape colour found · kind · size "
        f"| {_pct(a['layout_background'])} · {_pct(a['layout_shape_colour'])} · "
        f"{_pct(a['layout_shape_kind'])} · {_pct(a['layout_shape_size'])} "
        f"| {_pct(a['plain_background'])} · {_pct(a['plain_shape_colour'])} · "
        f"{_pct(a['plain_shape_kind'])} · {_pct(a['plain_shape_size'])} | |",
        f"| Layout | “X to the left/right of Y”, both orders of mention: X on the asked side "
        f"({int(a['relation_renders'])} renders) | {_pct(a['relation_layout'])} "
        f"| {_pct(a['relation_plain'])} | {_target(a['relation_layout'], 'relation')} |",
        f"| Layout | planning time per prompt · median seconds per render with Layout (baseline: "
        f"prompt alone) | {_num(a['plan_ms'], 2)} ms · {_num(a['layout_seconds'], 2)} s "
        f"| {_num(a['plain_seconds'], 2)} s | |",
    ]
    return rows


def _control_rows(c: dict[str, float]) -> list[str]:
    """Layered control (issue 16): region limits, curves, modes, cost."""
    inside, outside = c["follow_limited_in"], c["follow_limited_out"]
    ratio = f"×{_num(inside / outside, 1)}" if outside > 0.005 else "outside ≈ 0"
    return [
        "| Layered control | the scene's guide limited to the left half: gain in edge F1 over "
        f"the caption alone, inside · outside (away from the border), {int(c['cases'])} scenes "
        f"(baseline: the guide unlimited) | {_num(inside)} · {_num(outside)} ({ratio}) "
        f"| {_num(c['follow_full_in'])} · {_num(c['follow_full_out'])} | ≥ 3× |",
        f"| Layered control | the same: mean pixel change inside · outside (the whole picture "
        f"moves on this model) | {_num(c['region_inside'], 2)} · "
        f"{_num(c['region_outside'], 2)} (×{_num(c['region_ratio'], 1)}) | | |",
        "| Layered control | caption in other colours + the scene's guide: edge F1 · shapes "
        "found in the caption's colours, *Structure first* (baseline: constant curve) "
        f"| {_num(c['curve_structure_first_f1'])} · {_pct(c['curve_structure_first_colour'])} "
        f"| {_num(c['curve_constant_f1'])} · {_pct(c['curve_constant_colour'])} | |",
        "| Layered control | prompt and guide disagree (the caption asks for other kinds): "
        "modes prompt · balanced · guide: edge F1 against the guide "
        f"| {_num(c['mode_prompt_f1'])} · {_num(c['mode_balanced_f1'])} · "
        f"{_num(c['mode_guide_f1'])} | | |",
        "| Layered control | the same: shapes of the kind the prompt asks for "
        f"| {_pct(c['mode_prompt_kind'])} · {_pct(c['mode_balanced_kind'])} · "
        f"{_pct(c['mode_guide_kind'])} | | |",
        "| Layered control | median seconds per render, guide limited to a region with a curve "
        f"(baseline: the plain guide) | {_num(c['seconds_region_curve'], 3)} "
        f"| {_num(c['seconds_plain_guide'], 3)} | ≤ +2% |",
    ]


def _label(text: str, width: int) -> np.ndarray:
    strip = np.full((18, width, 3), 255, np.uint8)
    cv2.putText(strip, text, (3, 13), cv2.FONT_HERSHEY_SIMPLEX, 0.38, (0, 0, 0), 1, cv2.LINE_AA)
    return strip


def grid(f: Figures, size: int = 128, gap: int = 4) -> np.ndarray | None:
    """Sample renders: one row per case, one column per test (blank where a test did not run)."""
    blocks = []
    for rows, columns in ((f.samples.cases, CASE_COLUMNS), (f.samples.depth, DEPTH_COLUMNS)):
        if not rows:
            continue
        width = len(columns) * (size + gap)
        header = np.concatenate(
            [
                np.pad(_label(c, size), ((0, 0), (0, gap), (0, 0)), constant_values=255)
                for c in columns
            ],
            axis=1,
        )
        body = [header]
        for images in rows.values():
            cells = []
            for c in columns:
                cell = images.get(c, np.full((size, size, 3), 235, np.uint8))
                cell = cv2.resize(cell, (size, size), interpolation=cv2.INTER_NEAREST)
                cells.append(np.pad(cell, ((0, gap), (0, gap), (0, 0)), constant_values=255))
            body.append(np.concatenate(cells, axis=1))
        blocks.append(np.concatenate(body, axis=0)[:, :width])
    if not blocks:
        return None
    width = max(b.shape[1] for b in blocks)
    padded = [
        np.pad(b, ((0, 12), (0, width - b.shape[1]), (0, 0)), constant_values=255) for b in blocks
    ]
    return np.concatenate(padded, axis=0)


def write(f: Figures, out: Path) -> tuple[Path, Path | None]:
    """Write ``out`` (Markdown) and, beside it, ``<out stem>.png``; returns both paths."""
    from PIL import Image

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    picture = grid(f)
    png = None
    text = markdown(f)
    if picture is not None:
        png = out.with_suffix(".png")
        Image.fromarray(picture).save(png)
        text += f"\n![Sample renders]({png.name})\n"
    out.write_text(text, encoding="utf-8")
    return out, png


def _live_rows(v: dict[str, float], steps: int, guidance: float) -> list[str]:
    """Few-step and live-mode rows: as live mode renders (with the model's few-step LoRA
    where it has one), and without the LoRA beside them."""
    lora = bool(v.get("few_step_lora"))
    how = "the model's few-step LoRA" if lora else f"live mode's guidance {LIVE_GUIDANCE:g}"
    rows = [
        f"| Few steps | prompt adherence at 4 steps as live mode renders ({how}; baseline: "
        f"{steps} steps at {guidance:g}) "
        f"| {_pct(v['adherence_four'])} | {_pct(v['adherence_full'])} | |",
    ]
    if lora:
        rows.append(
            f"| Few steps | the same without the LoRA, at live mode's guidance {LIVE_GUIDANCE:g} "
            f"| {_pct(v['adherence_four_plain'])} | | |"
        )
    if "adherence_four_prompt_guidance" in v:
        rows.append(
            f"| Few steps | the same without the LoRA, at the {steps}-step guidance {guidance:g} "
            f"| {_pct(v['adherence_four_prompt_guidance'])} | | |"
        )
    rows.append(
        f"| Few steps | share of the {steps}-step adherence kept at 4 steps as live mode renders "
        f"| {_pct(v['kept'])} | | {_target(v['kept'], 'live_kept')} |"
    )
    sketch = "a rough colour sketch at live settings (8 steps, strength 0.65"
    variants = [("sketch", f"{sketch}, {how})")]
    if lora:
        variants.append(("sketch_plain", f"{sketch}, without the LoRA at guidance "
                                         f"{LIVE_GUIDANCE:g})"))  # fmt: skip
    for mode, label in variants:
        rows.append(
            f"| Live mode | {label}: adherence · kind · position "
            f"| {_pct(v[f'adherence_{mode}'])} · {_pct(v[f'shape_kind_{mode}'])} · "
            f"{_pct(v[f'shape_position_{mode}'])} | | |"
        )
    return rows
