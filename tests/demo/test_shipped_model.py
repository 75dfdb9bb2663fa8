"""The demo model that ships in f1studio/resources/models/shapes-world: it loads through the normal
model code and obeys prompts, regions, guides and inpaint masks (loose thresholds: a broken
model or a broken control path fails; the full figures come from ``f1studio eval``)."""

from __future__ import annotations

import copy
import json

import pytest
import torch
from safetensors.torch import load_file

from f1studio.demo import evaluate
from f1studio.demo.model import DEMO_ROOT, demo_model
from f1studio.model_choice import ModelChoice
from f1studio.model_library import resolve_models

pytestmark = pytest.mark.slow  # the demo model's world, training and renders

# thresholds a little under what these first held-out cases measure with the shipped model
# (the same calls as below; figures of the model before its low-noise phase's second cycle in brackets);
# `f1studio eval` gives the 50-case figures
PROMPT_BACKGROUND = 0.75  # 4 cases: 1.0
PROMPT_SHAPE_COLOUR = 0.9  # 16 cases: 0.974 (0.921)
PROMPT_KIND = 0.55  # 0.632 (0.447; 50 cases: 66.9% against 56.5%)
PROMPT_POSITION = 0.85  # 0.921 (0.842)
REGION_ADHERENCE = 0.9  # 2 cases: 0.997
SHAPE_ONLY_REGIONS = 0.95  # 0.999
LAYOUT_POSITION = 0.8  # 6 layout cases: 0.917 (0.917)
# triangles drawn as triangles in Layout's regions fitted to the shape each names: 10 of the
# 18 triangles of the first 16 layout cases with one (in boxes: 3 of 18; 50 cases: 19 of 34
# against 4 of 34)
LAYOUT_TRIANGLES = 0.45
LAYOUT_RELATION = 0.8  # 6 relation renders: 1.0 (prompt alone: 0.667, 50 renders 46%; it was 0.167)
# guides at the Weight and Mode a new guide layer takes with the demo model (guide_defaults.json:
# edge 1.2 and Mode 0.5, depth 1 and Mode 1); before, at weight 1, balanced, in brackets
EDGE_F1 = 0.85  # 0.905 (0.811; 0.772; 0.828 with the edge ControlNet at 1.5 on this UNet)
HAND_EDGE_F1 = 0.83  # 0.859 (0.802; 0.797 before the edge ControlNet's 3000 more steps)
HAND_EDGE_GAIN = 0.03  # over the same guides at weight 1, balanced: 0.859 - 0.802
HAND_EDGE_F1_PER_SIZE = 0.8  # small 0.834, medium 0.841, large 0.936 (0.782, 0.758, 0.93)
HAND_EDGE_F1_WRONG_SIZE = 0.85  # 0.892 (0.808; 0.746; 0.833 before the grounding phase)
# 0.009 (0.184; 0.08 before the edge ControlNet's 3000 more steps; 50 cases: 8.3% against
# 12.4% balanced; before the ControlNets saw reworded captions: 0.48 on 50)
WRONG_SIZE_SPILL = 0.06
# the inside of one small, medium, large shape: 0.851, 0.994, 1.0 (balanced: 0.623, 0.963, 1.0;
# 0.715, 0.973, 1.0 before the
# edge ControlNet's 3000 more steps; 0.968, 0.964, 1.0 before the low-noise phase's second
# cycle; 50 cases: small 96.8 -> 92.8 -> 91.9%)
HAND_EDGE_FILL = 0.8
# large outlines drawn by hand, 6 squares and 6 triangles: filled 0.833 and 1.0, mean inside in
# its colour 0.981 (balanced: 0.833, 1.0, 0.976; 50-case eval: 4 of each size and kind)
LARGE_FILLED = 0.66
LARGE_FILL = 0.95
PAINTED_DEPTH_LAYERING = 0.5  # 4 cases: 0.75 (-0.05 balanced)
INPAINT_NEW_COLOUR = 0.9  # 0.971 (0.976; with its inpaint ControlNet; 0.679 without)
INPAINT_PAINTED_MASK = 0.9  # 0.962 (0.946; a mask brushed over the shape by hand)
INPAINT_CONTROLNET_GAIN = 0.2  # 0.971 - 0.679
# seeds 42-45: 1.0 each since "middle" is read as "centre" (0.978, 0.993, 0.782, 1.0 with the
# word as untrained tokens; 1200-step phase: 0.16-0.35); seeds 42-57: 16 of 16 at least 0.95
HAND_TRIANGLE_GREEN = 0.9
# seeds 42-45: 1.0 each (with "middle" as untrained tokens: 0.971, 1.0, 0.997, 1.0, and at the
# old edge export scale 1.5 mostly hollow)
HALF_CANVAS_SQUARE_BLUE = 0.9
# live settings at guidance 3 (live mode's for the demo model), 4 cases: 0.625 (0.75 at guidance
# 5; 150 cases: 90.9% at 3 against 86.7% at 5, docs/eval/few-step-guidance.md)
SKETCH_SHAPE_COLOUR = 0.6
FOUR_STEP_SHAPE_COLOUR = 0.8  # 4 steps with the few-step LoRA, 4 cases: 0.875
AUTOENCODER_EDGE_F1 = 0.94  # 4 cases: 0.961 (0.927 before the decoder's outline band)
# the round trips' shapes keep their kinds (held-out cases 50-249: 91.7%, small ones 79.9%)
AUTOENCODER_KIND = 0.9
# one-step denoising from timestep 100: 0.906 (the noised latent itself, decoded: about 0.75)
DENOISER_EDGE_F1_100 = 0.85


@pytest.fixture(scope="module")
def renderer():
    return evaluate.Renderer(evaluate.EvalSettings(model=DEMO_ROOT, cases=4, solver_cases=2))


def test_the_shipped_model_is_small_safe_and_complete():
    model = demo_model()
    assert model is not None, f"the demo model is missing from {DEMO_ROOT}"
    files = [f for f in DEMO_ROOT.rglob("*") if f.is_file()]
    assert sum(f.stat().st_size for f in files) <= 50 * 2**20
    assert not [f for f in files if f.suffix in (".bin", ".pt", ".ckpt", ".pth", ".pkl")]
    weights = [f for f in files if f.suffix == ".safetensors"]
    # unet, vae, text encoder, three ControlNets (edge, depth, inpaint), the IP-Adapter and its
    # image encoder, the few-step LoRA
    assert len(weights) == 9
    for f in weights:
        assert all(t.dtype == torch.float16 for t in load_file(str(f)).values()), f
    for config in (f for f in files if f.name == "config.json"):  # no path of the machine
        assert "_name_or_path" not in json.loads(config.read_text()), config  # it was made on
    info = json.loads((DEMO_ROOT / "training.json").read_text())
    # what a fresh full run takes, stage by stage (over the 150-minute goal: README says so)
    full = info["full_run_minutes"]
    parts = [v for k, v in full.items() if k not in ("notes", "total", "apart")]
    assert sum(parts) == full["total"] and full["total"] * 60 > info["training_seconds"]
    assert set(model.controlnets) == {"edge", "depth"}  # the guides'; the inpaint one apart
    assert (DEMO_ROOT / "controlnet-inpaint" / "config.json").is_file()
    assert resolve_models() == ModelChoice(model.pipeline, model.controlnets)


def test_words_it_never_learned_are_read_as_its_own_or_left_out(renderer):
    """ "in the middle" is "in the centre" to the demo model, and a colour it does not know is
    left out: untrained tokens made a large square drawn by hand come out hollow (2026-12-06:
    filled in 1 of 8 seeds with "middle" against 7 of 8 with "centre")."""
    import numpy as np

    from f1studio.demo.vocab import demo_vocabulary
    from f1studio.engine.vocabulary import read_vocabulary

    assert read_vocabulary(DEMO_ROOT / "pipeline") == demo_vocabulary()
    centre, _ = renderer("a large red circle in the centre, on a white background", seed=1, steps=4)
    middle, _ = renderer("a big red circle in the middle, on a white background", seed=1, steps=4)
    pink, _ = renderer("a large pink circle in the centre, on a white background", seed=1, steps=4)
    plain, _ = renderer("a large circle in the centre, on a white background", seed=1, steps=4)
    assert np.array_equal(centre, middle) and np.array_equal(pink, plain)


def test_it_loads_as_a_stable_diffusion_model():
    from f1studio.engine.identification import detect_family

    family, inpainting = detect_family(demo_model().pipeline)
    assert family.value == "sd15" and not inpainting


def test_prompts_set_colours_kinds_and_positions():
    """The caption's background, shape colours, kinds and positions; a broken text path
    draws none of them. 16 cases: on 4, kind moves by a quarter with one shape."""
    renderer = evaluate.Renderer(evaluate.EvalSettings(model=DEMO_ROOT, cases=16))
    figures = evaluate.Figures(renderer.settings)
    evaluate.eval_prompt(renderer, figures)
    p = figures.prompt
    assert p["background"] >= PROMPT_BACKGROUND
    assert p["shape_colour"] >= PROMPT_SHAPE_COLOUR
    assert p["shape_kind"] >= PROMPT_KIND
    assert p["shape_position"] >= PROMPT_POSITION


def test_a_hand_drawn_outline_shapes_the_picture(two_cases):
    """Outlines drawn by hand (the eval's stroke simulator, its own seeds): the picture's
    edges follow the true outlines, and one shape at each size keeps its kind, its inside in
    the caption's colour."""
    figures = evaluate.Figures(two_cases.settings)
    evaluate.eval_hand_edges(two_cases, figures)
    h = figures.hand_edges
    assert h["f1"] >= HAND_EDGE_F1
    assert h["f1"] >= h["f1_balanced"] + HAND_EDGE_GAIN  # leaning toward the guide pays
    assert min(h["f1_small"], h["f1_medium"], h["f1_large"]) >= HAND_EDGE_F1_PER_SIZE
    assert min(h["fill_small"], h["fill_medium"], h["fill_large"]) >= HAND_EDGE_FILL
    # a size word that disagrees with the outline: the outline still wins
    assert h["f1_wrong_size"] >= HAND_EDGE_F1_WRONG_SIZE
    assert h["spill_wrong_size"] <= WRONG_SIZE_SPILL
    # large squares and triangles (64-96 px) filled, not drawn as a hollow outline
    assert min(h["large_filled_square"], h["large_filled_triangle"]) >= LARGE_FILLED
    assert h["large_fill"] >= LARGE_FILL


def test_a_painted_depth_guide_places_the_shapes(renderer):
    """A depth guide painted with a soft brush puts the shapes' outlines where it is painted,
    and at the demo model's Mode (the guide is more important) layers them as painted against
    a caption that lists them the other way round: 4 cases, 0.75 against -0.05 balanced (50
    cases: 0.46 against 0.15; the goal is 0.8)."""
    figures = evaluate.Figures(renderer.settings)
    evaluate.eval_painted_depth(renderer, figures)
    d = figures.painted_depth
    assert d["outline_f1_guide"] >= d["outline_f1_no_guide"] + 0.15  # 4 cases: 0.574 vs 0.288
    assert d["rank_correlation_guide"] >= PAINTED_DEPTH_LAYERING
    assert d["rank_correlation_guide"] >= d["rank_correlation_balanced"] + 0.4


def test_few_step_and_live_renders(renderer):
    """4 steps as live mode renders them (the few-step LoRA, guidance 1) keep the caption's
    background and colours and the 20-step adherence (4 cases: 2 of 4, as at 20 steps),
    more captions than 4 steps without the LoRA at live mode's guidance (1 of 4) or at the
    20-step guidance (0); a rough colour sketch rendered at live settings keeps its shapes'
    colours."""
    figures = evaluate.Figures(renderer.settings)
    evaluate.eval_live(renderer, figures)
    v = figures.live
    assert v["few_step_lora"] == 1.0
    assert v["background_four"] >= PROMPT_BACKGROUND
    assert v["shape_colour_four"] >= FOUR_STEP_SHAPE_COLOUR
    assert v["kept"] >= 0.9
    assert v["adherence_four"] > v["adherence_four_plain"] > v["adherence_four_prompt_guidance"]
    assert v["shape_colour_sketch"] >= SKETCH_SHAPE_COLOUR


def test_layout_draws_a_triangle_in_a_triangles_region(renderer):
    """Layout's regions take the shape each object is named for, so a triangle's region is a
    triangle: in a box the demo model filled it as a square or a circle."""
    from f1studio.demo.evaluate_layout import layout_triangles_right

    right = layout_triangles_right(renderer)
    assert sum(right) / len(right) >= LAYOUT_TRIANGLES


@pytest.fixture(scope="module")
def two_cases():
    return evaluate.Renderer(evaluate.EvalSettings(model=DEMO_ROOT, cases=2, per_size_cases=2))


def test_regions_put_their_colour_in_their_region(two_cases):
    """Each shape's mask as a region asking for that shape: the region takes the colour
    (the eval measures 94% on 50 scenes against 12% without regions)."""
    figures = evaluate.Figures(two_cases.settings)
    evaluate.eval_regions(two_cases, figures)
    assert figures.regions["adherence"] >= REGION_ADHERENCE
    assert figures.regions["adherence"] >= figures.regions["baseline"] + 0.4
    # also when the region prompt names only its shape (50 scenes: 94%)
    assert figures.regions["shape_only"] >= SHAPE_ONLY_REGIONS


def test_layout_puts_the_shapes_where_the_words_say():
    """The regions the window's Layout makes of a caption: shapes land in their cells, and
    "X to the left of Y" (said either way round) puts X on that side (the eval measures 100%
    with Layout against 36% from the prompt alone on 50 renders; before the model's region
    phase saw Layout's regions, Layout cut it to 20%)."""
    settings = evaluate.EvalSettings(model=DEMO_ROOT, cases=6)
    figures = evaluate.Figures(settings)
    evaluate.eval_layout(evaluate.Renderer(settings), figures)
    lay = figures.layout
    assert lay["layout_shape_position"] >= LAYOUT_POSITION
    assert lay["relation_layout"] >= LAYOUT_RELATION
    assert lay["relation_layout"] > lay["relation_plain"]


def test_the_edge_guide_places_the_outlines(two_cases):
    figures = evaluate.Figures(two_cases.settings)
    evaluate.eval_edges(two_cases, figures)
    e = figures.edges
    assert e["f1_guide"] >= EDGE_F1 and e["f1_guide"] >= e["f1_caption"] + 0.2
    assert e["f1_guide_only"] >= e["f1_none"] + 0.2


def test_the_depth_guide_places_the_shapes(two_cases):
    figures = evaluate.Figures(two_cases.settings)
    evaluate.eval_depth(two_cases, figures)
    d = figures.depth
    assert d["cases"] == 2
    assert d["outline_f1_guide"] >= d["outline_f1_no_guide"] + 0.17  # 0.582 against 0.364


def test_steps_auto_uses_the_measured_step_plan():
    from f1studio.engine.adaptive import read_step_plan

    plan = read_step_plan(demo_model().pipeline)
    assert plan is not None and 4 <= plan["steps"]["dpmpp-2m"] <= 40


def test_the_autoencoder_keeps_the_outlines(renderer):
    figures = evaluate.Figures(renderer.settings)
    evaluate.eval_autoencoder(renderer, figures)
    a = figures.autoencoder
    assert a["f1"] >= AUTOENCODER_EDGE_F1
    assert a["ceiling_shape_kind"] >= AUTOENCODER_KIND
    assert a["ceiling_shape_position"] == 1.0
    # the UNet denoises: a lightly noised scene keeps its outlines, more noise loses more
    assert a["x0_f1_100"] >= DENOISER_EDGE_F1_100
    assert a["x0_f1_100"] > a["x0_f1_300"] > a["x0_f1_500"]


@pytest.fixture(scope="module")
def inpaint_figures(renderer):
    """The eval's inpaint figures on the 4 cases (the inpaint test and the report's)."""
    figures = evaluate.Figures(renderer.settings)
    evaluate.eval_inpaint(renderer, figures)
    return figures


def test_inpainting_keeps_the_outside_and_follows_the_prompt_inside(inpaint_figures):
    """With its inpaint ControlNet (as the window renders inpaint masks): outside unchanged,
    the new colour inside, also under a mask brushed by hand, and clearly more of it than
    masked re-noising alone gives."""
    p = inpaint_figures.inpaint
    assert p["outside_identical"] == 1.0
    assert p["inside_new_colour"] >= INPAINT_NEW_COLOUR
    assert p["inside_new_colour_painted_mask"] >= INPAINT_PAINTED_MASK
    gain = p["inside_new_colour"] - p["inside_new_colour_without_controlnet"]
    assert gain >= INPAINT_CONTROLNET_GAIN


def test_the_report_is_written(inpaint_figures, tmp_path):
    from f1studio.demo.report import write

    figures = copy.deepcopy(inpaint_figures)  # the rows below are changed
    out, png = write(figures, tmp_path / "report.md")
    text = out.read_text()
    assert "| Inpaint | outside pixels bit-identical | 100.0% |" in text
    assert png is not None and png.stat().st_size > 0
    # the guide rows say what they render at, and the balanced ones sit beside them
    assert "edge weight 1.2, Mode +0.5: `guide_defaults.json`" in text
    figures.hand_edges = {"f1": 0.85, "kind": 0.75, "f1_balanced": 0.76, "kind_balanced": 0.73}
    for size in ("small", "medium", "large"):
        figures.hand_edges.update({f"f1_{size}": 0.8, f"kind_{size}": 1.0, f"fill_{size}": 0.9})
    figures.hand_edges.update({"f1_wrong_size": 0.8, "spill_wrong_size": 0.1, "spill": 0.02})
    text = write(figures, tmp_path / "again.md")[0].read_text()
    assert (
        "| Edge guide (drawn by hand), *balanced* | edge F1 · shape kind right | 0.760 · 73.0%"
        in text
    )
    # the prompt rows say which kinds the model gets wrong
    figures.prompt = dict.fromkeys(evaluate.PROMPT_PARTS, 0.5)
    figures.prompt.update({"kind_right_circle": 0.8, "kind_right_square": 0.6})
    figures.prompt.update({"kind_right_triangle": 0.3, "shapes_circle": 5})
    figures.prompt.update({"shapes_square": 4, "shapes_triangle": 6})
    text = write(figures, tmp_path / "kinds.md")[0].read_text()
    assert "circles · squares · triangles (how many) | 80.0% (5) · 60.0% (4) · 30.0% (6) |" in text
    assert "; 4 held-out cases; 20 steps" in text


def test_the_report_says_which_held_out_cases_it_scored(tmp_path):
    from f1studio.demo.evaluate import EvalSettings, Figures
    from f1studio.demo.report import markdown

    figures = Figures(settings=EvalSettings(cases=200, first_index=50))
    assert "; 200 held-out cases (numbers 50–249); 20 steps" in markdown(figures)


def test_the_report_gives_the_ceiling_the_autoencoder_sets_on_the_prompt_figures():
    from f1studio.demo.evaluate import EvalSettings, Figures
    from f1studio.demo.report import markdown

    figures = Figures(settings=EvalSettings())
    figures.autoencoder = {"f1": 0.95, "f1_min": 0.8}
    assert "could score" not in markdown(figures)  # a report from before the ceiling
    figures.autoencoder.update(
        {
            "ceiling_adherence": 0.835,
            "ceiling_shape_kind": 0.917,
            "ceiling_kind_small": 0.799,
            "ceiling_shape_position": 0.998,
        }
    )
    text = markdown(figures)
    assert "could score): adherence · shape kind · kind of the small shapes · position " in text
    assert "| 83.5% · 91.7% · 79.9% · 99.8% |" in text


def test_the_eval_command(tmp_path, capsys):
    from f1studio.cli import main

    out = tmp_path / "eval.md"
    assert main(["eval", "--only", "inpaint", "--cases", "1", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "outside pixels bit-identical" in printed and out.is_file()
    assert (tmp_path / "eval.png").is_file()
    assert main(["eval", "--model", str(tmp_path / "nothing")]) == 1
    assert "no model at" in capsys.readouterr().err
    assert main(["eval", "--only", "inpaint", "--write-step-plan"]) == 1
    assert "needs the solver study" in capsys.readouterr().err
    assert main(["eval", "--only", "inpaint", "--first-case", "-1"]) == 1
    assert "--first-case must be 0 or more" in capsys.readouterr().err
    assert main(["eval", "--only", "prompt", "inpaint", "--training-scenes"]) == 1
    assert "--training-scenes needs --only prompt" in capsys.readouterr().err


def test_the_eval_scores_training_scenes_when_asked(tmp_path, capsys):
    """``--training-scenes`` renders the scenes the model learned from (world seed 0) and
    says so in the report."""
    from dataclasses import replace

    from f1studio.cli import main
    from f1studio.demo.evaluate_base import EvalSettings, held_out_cases
    from f1studio.demo.world import HELD_OUT_SEED, TRAIN_SEED, generate

    settings = EvalSettings(cases=2, first_index=3)
    held_out = [case[3] for case in held_out_cases(settings)]
    assert held_out == [generate(i, HELD_OUT_SEED)[2] for i in (3, 4)]
    trained = [case[3] for case in held_out_cases(replace(settings, scene_seed=TRAIN_SEED))]
    assert trained == [generate(i)[2] for i in (3, 4)] and trained != held_out
    out = tmp_path / "eval.md"
    argv = ["eval", "--only", "prompt", "--cases", "1", "--first-case", "3", "--out", str(out)]
    assert main([*argv, "--training-scenes"]) == 0
    capsys.readouterr()
    assert "1 **training** scenes (numbers 3–3 of world seed 0" in out.read_text()
    assert main(argv) == 0
    assert "1 held-out cases (numbers 3–3)" in out.read_text()


def _inside_in_colour(renderer, name: str, suggested: bool) -> list[float]:
    """Seeds 42-45 of the hand-drawn outline ``name`` (``evaluate_guides.HAND_OUTLINES``) on an
    edge guide (``evaluate_guides.hand_outline_inside``): the share of each render's inside in
    the prompt's colour."""
    from f1studio.demo.evaluate_guides import HAND_OUTLINES, hand_outline_inside

    corners, prompt, colour, seed = HAND_OUTLINES[name]
    shares = hand_outline_inside(renderer, corners, prompt, colour, seed, suggested)
    print(colour, "inside", [round(f, 3) for f in shares])
    return shares


@pytest.mark.parametrize("suggested", [True, False], ids=["suggested", "balanced"])
def test_a_large_triangle_outline_drawn_by_hand_comes_out_in_the_prompts_colour(
    renderer, suggested
):
    """The window's core gesture: a large triangle outline drawn with the mouse and "a large
    green triangle ...": its inside comes out green. A UNet trained with a longer grounding
    phase filled it with a yellow-orange blob instead (16-35% green in each seed)."""
    import numpy as np

    green = _inside_in_colour(renderer, "hand_triangle_green", suggested)
    assert np.mean(green) >= HAND_TRIANGLE_GREEN, green


@pytest.mark.parametrize("suggested", [True, False], ids=["suggested", "balanced"])
def test_a_half_canvas_square_drawn_by_hand_is_filled_not_hollow(renderer, suggested):
    """A square outline over half the canvas with "a large blue square ...": the inside comes
    out blue. With the edge ControlNet exported at 1.5 (``edge_output_scale``) this UNet drew
    the outline alone in most seeds (mean 0.43 of the inside blue over 16 seeds)."""
    import numpy as np

    blue = _inside_in_colour(renderer, "half_canvas_square_blue", suggested)
    assert np.mean(blue) >= HALF_CANVAS_SQUARE_BLUE, blue
