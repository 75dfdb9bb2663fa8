"""The prompt-set report: Markdown tables plus PNG charts and a sample grid beside it."""

from __future__ import annotations

import math
from pathlib import Path

from f1studio.evaluation.plots import bar_chart, line_chart, sample_grid
from f1studio.evaluation.prompt_eval import PromptEvalFigures


def _num(value: float | None, digits: int = 2) -> str:
    return "–" if value is None or math.isnan(value) else f"{value:.{digits}f}"


def _pct(value: float | None) -> str:
    return "–" if value is None or math.isnan(value) else f"{100 * value:.0f}%"


def markdown(f: PromptEvalFigures, charts: dict[str, Path] | None = None) -> str:
    s = f.settings
    charts = charts or {}
    lines = [
        "# Prompt-set evaluation",
        "",
        f"Model `{s.model}`; prompts `{s.prompts}` ({f.cases} prompts, "
        f"{s.seeds_per_prompt} picture(s) each); {s.width}×{s.height}; "
        f"{f.seconds / 60:.1f} min on this machine.",
    ]
    if f.per_setting:
        lines += [
            "",
            f"CLIP score: mean of max(100·cos, 0) between each picture and its prompt, with "
            f"`{s.clip_model}`."
            + (
                f" FID against {f.reference_pictures} pictures in `{s.reference_dir}` "
                f"({f.fid_features})."
                if s.reference_dir
                else ""
            ),
            "",
            "| Setting | CLIP score | ± (std) | FID | Region CLIP own · others · margin "
            "| Own prompt highest | s / picture |",
            "|---|---|---|---|---|---|---|",
        ]
        for row in f.per_setting:
            g = row.regions
            region = f"{_num(g['own'])} · {_num(g['others'])} · {_num(g['margin'])}" if g else "–"
            lines.append(
                f"| {row.setting.label} | {_num(row.clip)} | {_num(row.clip_std)} "
                f"| {_num(row.fid, 3)} | {region} | {_pct(g['own_highest']) if g else '–'} "
                f"| {_num(row.seconds_per_picture)} |"
            )
        if any(row.regions for row in f.per_setting):
            lines += [
                "",
                "Region CLIP: each region's crop scored against its own prompt and against the "
                "other regions' prompts of the same picture; the margin (own minus others) and "
                "the share of regions whose own prompt scores highest measure how well the "
                "regions' meanings stay apart.",
            ]
    if f.solvers:
        from f1studio.demo.evaluate_base import REFERENCE_STEPS, SOLVER_STEPS, SOLVER_TARGET

        lines += [
            "",
            f"## Solver study: distance to each solver's own {REFERENCE_STEPS}-step picture",
            "",
            f"Mean absolute pixel difference (fraction of full scale) over the first "
            f"{min(s.solver_cases, f.cases)} prompts at guidance {s.guidance[0]:g}; "
            f"target ≤ {SOLVER_TARGET:g}.",
            "",
            "| Solver | " + " | ".join(str(n) for n in SOLVER_STEPS) + " | steps to target |",
            "|---|" + "---|" * (len(SOLVER_STEPS) + 1),
        ]
        for solver, distances in f.solvers.items():
            needed = f.solver_steps_needed.get(solver)
            lines.append(
                f"| {solver} | "
                + " | ".join(_num(distances[n], 4) for n in SOLVER_STEPS)
                + f" | {needed if needed is not None else f'> {SOLVER_STEPS[-1]}'} |"
            )
        if f.step_plan is not None:
            lines += ["", f"Step plan written to `{f.step_plan}` (used by *steps: auto*)."]
    for title, key in (
        ("CLIP score per setting", "clip"),
        ("Distance against steps", "solvers"),
        ("Samples", "samples"),
    ):
        if key in charts:
            lines += ["", f"![{title}]({charts[key].name})"]
    return "\n".join(lines) + "\n"


def write(f: PromptEvalFigures, out: Path) -> tuple[Path, dict[str, Path]]:
    """Write ``out`` (Markdown) and its PNGs beside it (``<stem>-clip.png``,
    ``<stem>-solvers.png``, ``<stem>-samples.png``); returns the report and the charts."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    charts: dict[str, Path] = {}
    if f.per_setting:
        chart = bar_chart(
            "CLIP score per setting",
            [row.setting.label for row in f.per_setting],
            [row.clip for row in f.per_setting],
            "CLIP score",
            errors=[row.clip_std for row in f.per_setting],
        )
        charts["clip"] = out.with_name(f"{out.stem}-clip.png")
        chart.save(charts["clip"])
    if f.solvers:
        from f1studio.demo.evaluate_base import SOLVER_TARGET

        chart = line_chart(
            "Distance to the 100-step picture",
            f.solvers,
            "steps",
            "mean |difference| (0..1)",
            target=SOLVER_TARGET,
        )
        charts["solvers"] = out.with_name(f"{out.stem}-solvers.png")
        chart.save(charts["solvers"])
    grid = sample_grid(f.samples)
    if grid is not None:
        charts["samples"] = out.with_name(f"{out.stem}-samples.png")
        grid.save(charts["samples"])
    out.write_text(markdown(f, charts), encoding="utf-8")
    return out, charts
