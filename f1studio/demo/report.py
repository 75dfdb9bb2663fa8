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
    Figures,
)

GOALS = {"prompt": 0.90, "regions": 0.90, "edges": 0.80}
CASE_COLUMNS = ("world", "prompt", "regions", "edge guide", "edges", "inpaint")
DEPTH_COLUMNS = ("depth guide", "depth")


def _pct(value: float) -> str:
    return "–" if value is None or math.isnan(value) else f"{100 * value:.1f}%"


def _num(value: float, digits: int = 3) -> str:
    return "–" if value is None or math.isnan(value) else f"{value:.{digits}f}"


def _goal(value: float, goal: float) -> str:
    if value is None or math.isnan(value):
        return "–"
    return "met" if value >= goal else "not met"


def markdown(f: Figures) -> str:
    s = f.settings
    lines = [
        "# Shapes-world fidelity evaluation",
        "",
        f"Model `{s.model}`; {s.cases} held-out cases; {s.steps} steps, {s.scheduler}, "
        f"guidance {s.guidance:g}, 128×128; {f.seconds / 60:.1f} min on this machine.",
        "",
        "| Test | Measure | Result | Baseline | Goal |",
        "|---|---|---|---|---|",
    ]
    if f.prompt:
        a = f.prompt["adherence"]
        lines.append(
            f"| Prompt | renders whose shapes have the caption's colours, kinds and positions "
            f"| {_pct(a)} | | ≥ 90% ({_goal(a, GOALS['prompt'])}) |"
        )
        p = f.prompt
        lines.append(
            "| Prompt, per part | background colour · shape colour found · kind · position "
            f"| {_pct(p['background'])} · {_pct(p['shape_colour'])} · {_pct(p['shape_kind'])} · "
            f"{_pct(p['shape_position'])} | | |"
        )
    if f.regions:
        a = f.regions["adherence"]
        lines.append(
            f"| Regions | region pixels in the asked colour (baseline: no regions) "
            f"| {_pct(a)} | {_pct(f.regions['baseline'])} | ≥ 90% ({_goal(a, GOALS['regions'])}) |"
        )
    if f.edges:
        e = f.edges
        lines.append(
            f"| Edge guide | edge F1 (±2 px), caption + guide (baseline: caption only) "
            f"| {_num(e['f1_guide'])} | {_num(e['f1_caption'])} "
            f"| ≥ 0.8 ({_goal(e['f1_guide'], GOALS['edges'])}) |"
        )
        lines.append(
            f"| Edge guide | edge F1, empty prompt + guide (baseline: empty prompt) "
            f"| {_num(e['f1_guide_only'])} | {_num(e['f1_none'])} | |"
        )
    if f.depth:
        d = f.depth
        lines.append(
            f"| Depth guide | rank correlation of shape layering with the guide; prompt lists "
            f"shapes in the opposite order ({d['cases']} overlapping scenes) "
            f"| {_num(d['rank_correlation_guide'], 2)} | {_num(d['rank_correlation_no_guide'], 2)}"
            " | |"
        )
        if "outline_f1_guide" in d:
            lines.append(
                f"| Depth guide | edge F1 of the shapes' outlines, same scenes and prompts "
                f"(baseline: no guide) | {_num(d['outline_f1_guide'])} "
                f"| {_num(d['outline_f1_no_guide'])} | |"
            )
    if f.inpaint:
        p = f.inpaint
        lines.append(
            f"| Inpaint | outside pixels bit-identical | {_pct(p['outside_identical'])} | | 100% |"
        )
        lines.append(
            f"| Inpaint | inside pixels in the new colour (baseline: still the old colour) "
            f"| {_pct(p['inside_new_colour'])} | {_pct(p['inside_old_colour'])} | |"
        )
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
