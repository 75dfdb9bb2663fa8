"""``f1studio eval --prompts FILE``: render a prompt set with any model under each setting
compared and measure CLIP score, FID, region CLIP and (on request) the solver study."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from f1studio.evaluation.clip_score import ClipScorer
from f1studio.evaluation.errors import EvaluationError
from f1studio.evaluation.prompt_file import PromptCase, read_prompt_file
from f1studio.evaluation.region_clip import RegionScore, region_scores, summarise
from f1studio.evaluation.render import CaseRenderer, Setting, case_seeds

#: Sample pictures kept per setting for the report's grid.
SAMPLES_PER_SETTING = 6


@dataclass(frozen=True)
class PromptEvalSettings:
    model: str
    prompts: Path
    width: int
    height: int
    steps: tuple[int, ...]
    guidance: tuple[float, ...]
    schedulers: tuple[str, ...]
    clip_model: str
    reference_dir: Path | None = None
    #: a TorchScript Inception file or a CLIP folder; None: the CLIP model's image embeddings
    fid_features: Path | None = None
    #: read a TorchScript ``fid_features`` file (pickled data)
    allow_pickle: bool = False
    seeds_per_prompt: int = 1
    first_seed: int = 0
    device: str = "auto"
    #: render the set under every setting and score it
    score: bool = True
    solver_study: bool = False
    solver_cases: int = 6
    #: the model folder whose step_plan.json the solver study writes (None: do not write)
    step_plan_folder: Path | None = None

    @property
    def settings(self) -> list[Setting]:
        return [
            Setting(steps, guidance, scheduler)
            for scheduler, steps, guidance in itertools.product(
                self.schedulers, self.steps, self.guidance
            )
        ]


@dataclass
class SettingFigures:
    setting: Setting
    clip: float
    clip_std: float
    fid: float | None = None
    regions: dict[str, float] = field(default_factory=dict)
    seconds_per_picture: float = 0.0


@dataclass
class PromptEvalFigures:
    settings: PromptEvalSettings
    cases: int
    fid_features: str = ""
    reference_pictures: int = 0
    per_setting: list[SettingFigures] = field(default_factory=list)
    solvers: dict[str, dict[int, float]] = field(default_factory=dict)
    solver_steps_needed: dict[str, int | None] = field(default_factory=dict)
    step_plan: Path | None = None
    #: setting label -> the first pictures rendered with it
    samples: dict[str, list[np.ndarray]] = field(default_factory=dict)
    seconds: float = 0.0


def evaluate_prompts(
    settings: PromptEvalSettings, progress: Callable[[str], None] = lambda _: None
) -> PromptEvalFigures:
    """Everything the report shows (see the module). Models that are missing fail here, in
    one :class:`EvaluationError`, before the first render."""
    began = time.monotonic()
    cases = read_prompt_file(settings.prompts)
    figures = PromptEvalFigures(settings, len(cases))
    clip: ClipScorer | None = None
    reference: np.ndarray | None = None
    features = None
    if settings.score:
        clip = ClipScorer(settings.clip_model, settings.device)
        if settings.reference_dir is not None:
            from f1studio.evaluation.fid import feature_extractor, read_pictures

            features, figures.fid_features = feature_extractor(
                settings.fid_features, clip, clip.device, settings.allow_pickle
            )
            pictures = read_pictures(settings.reference_dir)
            figures.reference_pictures = len(pictures)
            reference = features(pictures)
    render = CaseRenderer(settings.model, settings.width, settings.height, settings.device)
    seeds = case_seeds(cases, settings.seeds_per_prompt, settings.first_seed)
    if clip is not None:
        for setting in settings.settings:
            progress(f"rendering {len(cases)} prompts with {setting.label}…")
            figures.per_setting.append(
                _score_setting(render, cases, seeds, setting, clip, features, reference, figures)
            )
    if settings.solver_study:
        progress(f"solver study on {min(settings.solver_cases, len(cases))} prompts…")
        _solver_study(render, cases, seeds, settings, figures)
    figures.seconds = time.monotonic() - began
    return figures


def _score_setting(
    render: CaseRenderer,
    cases: list[PromptCase],
    seeds: list[list[int]],
    setting: Setting,
    clip: ClipScorer,
    features: Callable[[list[np.ndarray]], np.ndarray] | None,
    reference: np.ndarray | None,
    figures: PromptEvalFigures,
) -> SettingFigures:
    from f1studio.evaluation.fid import frechet_distance

    pictures: list[np.ndarray] = []
    texts: list[str] = []
    regions: list[RegionScore] = []
    started = time.monotonic()
    for case, case_seed_list in zip(cases, seeds, strict=True):
        for seed in case_seed_list:
            image = render(case, seed, setting)
            pictures.append(image)
            texts.append(case.scored_text)
            if case.regions:
                regions += region_scores(image, case.regions, clip.score_matrix)
    seconds = (time.monotonic() - started) / max(len(pictures), 1)
    figures.samples[setting.label] = pictures[:SAMPLES_PER_SETTING]
    scores = clip.scores(pictures, texts)
    out = SettingFigures(
        setting, float(scores.mean()), float(scores.std()), seconds_per_picture=seconds
    )
    if features is not None and reference is not None:
        if len(pictures) < 2:
            raise EvaluationError("FID needs at least two rendered pictures (add --seeds)")
        out.fid = frechet_distance(features(pictures), reference)
    if regions:
        out.regions = summarise(regions)
    return out


def _solver_study(
    render: CaseRenderer,
    cases: list[PromptCase],
    seeds: list[list[int]],
    settings: PromptEvalSettings,
    figures: PromptEvalFigures,
) -> None:
    from f1studio.demo.evaluate_base import SOLVER_TARGET
    from f1studio.demo.evaluate_steps import solver_distances

    chosen = list(zip(cases, seeds, strict=True))[: settings.solver_cases]
    by_key = {(s[0], c.scored_text): c for c, s in reversed(chosen)}
    guidance = settings.guidance[0]

    def picture(text: str, seed: int, solver: str, steps: int) -> np.ndarray:
        return render(by_key[(seed, text)], seed, Setting(steps, guidance, solver))

    figures.solvers, figures.solver_steps_needed = solver_distances(
        picture, [(s[0], c.scored_text) for c, s in chosen]
    )
    if settings.step_plan_folder is not None:
        from f1studio.engine.adaptive import write_step_plan

        figures.step_plan = write_step_plan(
            settings.step_plan_folder, figures.solver_steps_needed, guidance, SOLVER_TARGET
        )
