"""The demo model's training script: --quick runs end to end, resumes, and is reproducible."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from f1studio.demo import checkpoints
from f1studio.demo import train as training
from f1studio.demo.architecture import UNET_VARIANTS
from f1studio.demo.model import DEMO_ROOT, guide_defaults
from f1studio.demo.train_settings import FULL, QUICK

pytestmark = pytest.mark.slow  # the demo model's world, training and renders

PARTS = (
    "pipeline/unet",
    "pipeline/vae",
    "pipeline/text_encoder",
    "controlnet-edge",
    "controlnet-depth",
    "controlnet-inpaint",
)


def _weights(out: Path) -> dict[str, torch.Tensor]:
    tensors = {}
    for part in PARTS:
        for f in sorted((out / part).glob("*.safetensors")):
            tensors.update({f"{part}/{k}": v for k, v in load_file(str(f)).items()})
    return tensors


@pytest.fixture(scope="module")
def quick_model(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("quick")
    assert training.main(["--quick", "--out", str(root / "out"), "--work", str(root / "work")]) == 0
    return root / "out"


def test_quick_training_writes_fp16_safetensors_in_the_demo_layout(quick_model):
    assert (quick_model / "pipeline" / "model_index.json").is_file()
    info = json.loads((quick_model / "training.json").read_text())
    assert info["settings"]["unet_steps"] == QUICK.unet_steps
    # the Weight and Mode a new guide layer takes with it in the window
    assert guide_defaults(quick_model) == QUICK.guide_defaults()
    assert guide_defaults(quick_model)["edge"]["balance"] > 0
    weights = _weights(quick_model)
    assert weights and all(v.dtype == torch.float16 for v in weights.values())
    assert not list(quick_model.rglob("*.bin")) and not list(quick_model.rglob("*.pt"))
    size = sum(f.stat().st_size for f in quick_model.rglob("*") if f.is_file())
    assert size <= 50 * 2**20


def test_quick_model_renders_through_the_engine_with_both_guides(quick_model, engine_cache):
    from f1studio.demo.world import HELD_OUT_SEED, generate
    from f1studio.engine.events import Finished
    from f1studio.engine.request import ControlKind, ControlSpec, GenerationRequest, Pixels
    from f1studio.engine.runner import run

    _, rendered, text = generate(0, HELD_OUT_SEED)
    guides = (
        ControlSpec(
            ControlKind.EDGE,
            Pixels.of(np.repeat(rendered.edges[:, :, None], 3, 2)),
            model=str(quick_model / "controlnet-edge"),
        ),
        ControlSpec(
            ControlKind.DEPTH,
            Pixels.of(np.repeat(rendered.depth[:, :, None], 3, 2)),
            model=str(quick_model / "controlnet-depth"),
        ),
    )
    request = GenerationRequest(
        text, 128, 128, model=str(quick_model / "pipeline"), steps=3, controls=guides, device="cpu"
    )
    events = []
    run(request, events.append, cache=engine_cache)
    done = [e for e in events if isinstance(e, Finished)]
    assert done, events
    assert done[0].result.images[0].shape == (128, 128, 3)


def test_quick_model_inpaints_with_its_inpaint_controlnet(quick_model, engine_cache):
    from f1studio.demo.world import HELD_OUT_SEED, generate
    from f1studio.engine.request import GenerationRequest, InpaintSpec, Pixels
    from tests.engine.helpers import render

    _, rendered, text = generate(0, HELD_OUT_SEED)
    assert (quick_model / "controlnet-inpaint" / "config.json").is_file()
    mask = np.zeros((128, 128), np.uint8)
    mask[32:96, 32:96] = 255
    spec = InpaintSpec(
        Pixels.of(mask), feather=0, controlnet=str(quick_model / "controlnet-inpaint")
    )
    request = GenerationRequest(
        text,
        128,
        128,
        model=str(quick_model / "pipeline"),
        steps=3,
        device="cpu",
        init_image=Pixels.of(rendered.image),
        inpaint=spec,
    )
    image = render(request, engine_cache)[0]
    assert np.array_equal(image[mask == 0], rendered.image[mask == 0])


def test_a_four_times_autoencoder_trains_every_stage_and_renders_guides_regions_inpaint(
    tmp_path, engine_cache
):
    """``latent_factor`` 4: a three-level autoencoder and a 32x32 latent, through every stage
    of the recipe, and the engine renders the exported model with a guide, a region and an
    inpaint mask at 128x128 like the shipped one."""
    from dataclasses import replace

    from f1studio.demo.world import HELD_OUT_SEED, generate
    from f1studio.engine.request import (
        ControlKind,
        ControlSpec,
        GenerationRequest,
        InpaintSpec,
        Pixels,
        RegionSpec,
    )
    from tests.engine.helpers import render

    out, work = tmp_path / "out", tmp_path / "work"
    chosen = ["--set", "latent_factor=4,unet_variant=outer32"]
    assert training.main(["--quick", *chosen, "--out", str(out), "--work", str(work)]) == 0
    recorded = json.loads((out / "training.json").read_text())["settings"]
    assert (recorded["latent_factor"], recorded["unet_variant"]) == (4, "outer32")
    vae = json.loads((out / "pipeline" / "vae" / "config.json").read_text())
    unet = json.loads((out / "pipeline" / "unet" / "config.json").read_text())
    edge = json.loads((out / "controlnet-edge" / "config.json").read_text())
    assert len(vae["block_out_channels"]) == 3 and unet["sample_size"] == 32
    assert len(edge["conditioning_embedding_out_channels"]) == 3
    _, rendered, text = generate(0, HELD_OUT_SEED)
    left = np.zeros((128, 128), np.uint8)
    left[:, :64] = 255
    guide = ControlSpec(
        ControlKind.EDGE,
        Pixels.of(np.repeat(rendered.edges[:, :, None], 3, 2)),
        model=str(out / "controlnet-edge"),
    )
    request = GenerationRequest(
        text,
        128,
        128,
        model=str(out / "pipeline"),
        steps=3,
        device="cpu",
        controls=(guide,),
        regions=(RegionSpec(Pixels.of(left), "a small red circle"),),
    )
    assert render(request, engine_cache)[0].shape == (128, 128, 3)
    mask = np.zeros((128, 128), np.uint8)
    mask[32:96, 32:96] = 255
    inpaint = InpaintSpec(Pixels.of(mask), feather=0, controlnet=str(out / "controlnet-inpaint"))
    request = replace(
        request, controls=(), regions=(), init_image=Pixels.of(rendered.image), inpaint=inpaint
    )
    image = render(request, engine_cache)[0]
    assert np.array_equal(image[mask == 0], rendered.image[mask == 0])


def test_settings_are_changed_by_name_for_a_run(tmp_path, capsys):
    from f1studio.demo.train_settings import overridden

    changed = overridden(QUICK, "latent_factor=4, unet_variant=outer32,bf16_autocast=0")
    assert (changed.latent_factor, changed.unet_variant, changed.bf16_autocast) == (
        4,
        "outer32",
        False,
    )
    assert overridden(QUICK, "bf16_autocast=yes").bf16_autocast is True
    assert overridden(QUICK, "") == QUICK == overridden(QUICK, "base")
    with pytest.raises(ValueError, match="'latent'"):
        overridden(QUICK, "latent=4")
    with pytest.raises(SystemExit):
        training.main(["--quick", "--set", "latent=4", "--work", str(tmp_path)])
    assert "unknown setting 'latent'" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())  # refused before anything was written
    with pytest.raises(ValueError, match="latent factor 3"):
        from f1studio.demo import architecture

        architecture.build_vae(3)


def test_a_stopped_run_resumes_to_the_same_model(quick_model, tmp_path, monkeypatch):
    """Kill the run at its first checkpoint of the UNet stage, run again: bit-identical weights
    to the uninterrupted run (the seed fixes data, noise and initialisation)."""
    real_save = checkpoints.save

    class Killed(Exception):
        pass

    def save_then_die(path, *args, **kwargs):
        real_save(path, *args, **kwargs)
        if path.parent.name == "unet-stage":
            raise Killed

    monkeypatch.setattr(checkpoints, "save", save_then_die)
    args = ["--quick", "--out", str(tmp_path / "out"), "--work", str(tmp_path / "work")]
    with pytest.raises(Killed):
        training.main(args)
    assert not (tmp_path / "out").exists()  # nothing half-written where the model goes
    monkeypatch.setattr(checkpoints, "save", real_save)
    assert training.main(args) == 0
    assert "resuming at step" in (tmp_path / "work" / "train.log").read_text()
    ours, reference = _weights(tmp_path / "out"), _weights(quick_model)
    assert ours.keys() == reference.keys()
    assert all(torch.equal(ours[k], reference[k]) for k in ours)


def test_checkpoints_restore_weights_and_optimizer_without_pickle(tmp_path):
    torch.manual_seed(0)
    model = torch.nn.Linear(4, 3)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-2)
    for _ in range(2):
        model(torch.randn(5, 4)).pow(2).mean().backward()
        opt.step()
        opt.zero_grad()
    checkpoints.save(tmp_path / "ck", {"m": model}, opt, 2, {"note": 1})
    other = torch.nn.Linear(4, 3)
    other_opt = torch.optim.AdamW(other.parameters(), lr=1e-2)
    assert checkpoints.load(tmp_path / "ck", {"m": other}, other_opt) == (2, {"note": 1})
    x = torch.randn(5, 4)
    for m, o in ((model, opt), (other, other_opt)):
        m(x).pow(2).mean().backward()
        o.step()
    assert torch.equal(model.weight, other.weight)
    assert {p.suffix for p in (tmp_path / "ck").iterdir()} == {".safetensors", ".json"}
    assert checkpoints.load(tmp_path / "missing", {"m": other}, other_opt) is None


def test_the_ip_adapter_trains_on_the_quick_model_and_steers_it(quick_model, tmp_path):
    """``train_ip_adapter --quick`` on the quick model: the published layout, fp16, and a
    reference picture that changes the quick model's render."""

    import numpy as np

    from f1studio.demo import train_ip_adapter
    from f1studio.engine.request import GenerationRequest, Pixels, ReferenceSpec
    from f1studio.engine.runner import run

    dataset = quick_model.parent / "work" / "dataset.safetensors"
    model = Path(shutil.copytree(quick_model, tmp_path / "model"))  # the fixture stays as it is
    args = ["--quick", "--model", str(model), "--work", str(tmp_path / "w")]
    assert train_ip_adapter.main([*args, "--dataset", str(dataset)]) == 0
    adapter = model / "ip-adapter"
    assert (adapter / "ip-adapter.safetensors").is_file()
    assert (adapter / "image_encoder" / "config.json").is_file()
    info = json.loads((model / "training.json").read_text())
    assert info["ip_adapter"]["steps"] == 3
    picture = Pixels.of(np.full((64, 64, 3), (200, 30, 30), np.uint8))

    def picture_of(refs) -> np.ndarray:
        request = GenerationRequest(
            "", 128, 128, model=str(model / "pipeline"), steps=3, device="cpu",
            references=refs, ip_adapter=str(adapter) if refs else None,
        )  # fmt: skip
        return run(request).images[0].astype(int)

    assert np.abs(picture_of((ReferenceSpec(picture),)) - picture_of(())).max() > 0


def test_the_few_step_lora_trains_on_the_quick_model_and_changes_its_renders(
    quick_model, tmp_path, engine_cache
):
    """``train_few_step --quick`` on the quick model: an fp16 LoRA with its preset beside the
    pipeline, recorded in ``training.json``, that the engine loads and that changes a render."""
    from f1studio.demo import train_few_step
    from f1studio.demo.model import FEW_STEP_FOLDER, FEW_STEP_LORA, few_step_lora
    from f1studio.engine.events import Finished
    from f1studio.engine.request import GenerationRequest, LoraSpec
    from f1studio.engine.runner import run

    model = Path(shutil.copytree(quick_model, tmp_path / "model"))  # the fixture stays as it is
    args = ["--quick", "--model", str(model), "--work", str(tmp_path / "w")]
    assert train_few_step.main(args) == 0
    weights = load_file(str(model / FEW_STEP_FOLDER / FEW_STEP_LORA))
    assert weights and all(v.dtype == torch.float16 for v in weights.values())
    assert any("lora_A" in k for k in weights) and all(k.startswith("unet.") for k in weights)
    fast = few_step_lora(model)
    assert fast is not None and (fast.steps, fast.guidance) == (4, 1.0)
    info = json.loads((model / "training.json").read_text())
    assert info["few_step_lora"]["settings"]["steps"] == train_few_step.QUICK.steps
    assert len(list((tmp_path / "w" / "pairs").glob("*.safetensors"))) == 2

    def render(loras):  # noqa: ANN001, ANN202
        events: list = []
        request = GenerationRequest(
            "a red circle", 128, 128, model=str(model / "pipeline"), steps=2, seed=3,
            guidance_scale=1.0, loras=loras, device="cpu",
        )  # fmt: skip
        run(request, events.append, cache=engine_cache)
        return next(e for e in events if isinstance(e, Finished)).result.images[0]

    # gaussian-initialised A, trained B: three steps move the picture
    assert not np.array_equal(render((LoraSpec(fast.path),)), render(()))


def test_the_exported_controlnet_output_scale_is_a_conditioning_scale():
    from f1studio.demo import architecture
    from f1studio.demo.train_export import scale_controlnet_output

    torch.manual_seed(0)
    controlnet = architecture.build_controlnet(architecture.build_unet())
    with torch.no_grad():  # trained ControlNets' zero convolutions are no longer zero
        for conv in [*controlnet.controlnet_down_blocks, controlnet.controlnet_mid_block]:
            conv.weight.normal_(0, 0.05)
            conv.bias.normal_(0, 0.05)
    inputs = dict(
        sample=torch.randn(1, 4, 16, 16),
        timestep=torch.tensor([500]),
        encoder_hidden_states=torch.randn(1, 77, architecture.TEXT_WIDTH),
        controlnet_cond=torch.rand(1, 3, 128, 128),
    )
    with torch.no_grad():
        down, mid = controlnet(**inputs, conditioning_scale=1.5, return_dict=False)
        scale_controlnet_output(controlnet, 1.5)
        down_scaled, mid_scaled = controlnet(**inputs, conditioning_scale=1.0, return_dict=False)
    for a, b in zip([*down, mid], [*down_scaled, mid_scaled], strict=True):
        torch.testing.assert_close(a, b, atol=1e-5, rtol=1e-5)
    assert mid.abs().max() > 0


def test_a_tail_undoes_the_scale_each_controlnet_was_exported_at(tmp_path):
    from f1studio.demo.train_tail import model_settings

    # the shipped training.json records the edge ControlNet's own scale, apart from depth's
    shipped = model_settings(DEMO_ROOT)
    assert shipped.export_scale_of("edge") == FULL.edge_output_scale
    assert shipped.export_scale_of("edge") != shipped.export_scale_of("depth")
    assert shipped.export_scale_of("inpaint") == shipped.inpaint_output_scale
    # a folder from before the edge ControlNet had a scale of its own: both at the shared one
    (tmp_path / "training.json").write_text(
        json.dumps({"settings": {"controlnet_output_scale": 1.5, "unknown_setting": 1}})
    )
    older = model_settings(tmp_path)
    assert older.export_scale_of("edge") == older.export_scale_of("depth") == 1.5


def test_a_controlnet_tail_runs_again_on_the_models_unet_and_leaves_the_rest(quick_model, tmp_path):
    from f1studio.demo import train_tail

    model = Path(shutil.copytree(quick_model, tmp_path / "model"))  # the fixture stays as it is
    before = _weights(model)
    # no steps: the ControlNet goes through the seeded checkpoint (its export scale undone)
    # and is exported again at that scale, so nothing moves
    train_tail.retrain_tail(model, ["edge"], 0, tmp_path / "w0", tmp_path / "data")
    unchanged = _weights(model)
    assert all(torch.equal(unchanged[k], v) for k, v in before.items())
    assert (
        train_tail.main(
            ["--model", str(model), "--kinds", "edge,inpaint", "--steps", "1"]
            + ["--work", str(tmp_path / "w1"), "--data", str(tmp_path / "data")]
        )
        == 0
    )
    after = _weights(model)
    moved = {k.split("/")[0] for k, v in before.items() if not torch.equal(after[k], v)}
    assert moved == {"controlnet-edge", "controlnet-inpaint"}
    assert all(v.dtype == torch.float16 for v in after.values())
    runs = json.loads((model / "training.json").read_text())["controlnet_tail_runs"]
    assert [run["steps"] for run in runs] == [0, 1]
    assert set(runs[1]["seconds"]) == {"edge", "inpaint"}
    with pytest.raises(SystemExit):
        train_tail.main(["--model", str(model), "--kinds", "colour"])


def test_a_tail_trains_in_bf16_with_the_depth_overlap_weight_when_its_settings_say_so(
    quick_model, tmp_path
):
    from f1studio.demo import train_tail

    model = Path(shutil.copytree(quick_model, tmp_path / "model"))
    info = json.loads((model / "training.json").read_text())
    info["settings"].update(bf16_autocast=True, depth_overlap_weight=10.0, depth_overlap_share=1.0)
    (model / "training.json").write_text(json.dumps(info))
    settings = train_tail.model_settings(model)
    assert settings.bf16_autocast and settings.depth_overlap_share == 1.0
    before = _weights(model)
    train_tail.retrain_tail(model, ["depth"], 1, tmp_path / "work", tmp_path / "data")
    after = _weights(model)
    moved = {k.split("/")[0] for k, v in before.items() if not torch.equal(after[k], v)}
    assert moved == {"controlnet-depth"}
    assert all(torch.isfinite(v.float()).all() for v in after.values())
    run = json.loads((model / "training.json").read_text())["controlnet_tail_runs"][-1]
    assert run["settings"] == {
        "bf16_autocast": True,
        "depth_shuffled_order": settings.depth_shuffled_order,
        "depth_overlap_weight": 10.0,
        "depth_overlap_share": 1.0,
    }


def test_the_autocast_switch_runs_forward_passes_in_bf16_only_when_asked():
    from dataclasses import replace

    from f1studio.demo.train_loop import autocast

    layer = torch.nn.Linear(4, 4)
    with autocast(replace(QUICK, bf16_autocast=False)):
        assert layer(torch.ones(1, 4)).dtype == torch.float32
    with autocast(replace(QUICK, bf16_autocast=True)):
        assert layer(torch.ones(1, 4)).dtype == torch.bfloat16


def test_the_overlap_weight_marks_where_two_colours_overlap():
    from dataclasses import replace

    from f1studio.demo.train_data import overlap_mask, overlapping_indices
    from f1studio.demo.train_stages import overlap_weights
    from f1studio.demo.world import Scene, Shape, generate, shape_mask

    back = Shape("square", "red", "large", "centre", x=0.4, y=0.5, extent=0.2)
    front = Shape("circle", "blue", "medium", "centre", x=0.6, y=0.5, extent=0.15)
    scene = Scene(shapes=(back, front), background=("white",))
    both = shape_mask(back, 128) & shape_mask(front, 128)
    assert both.any() and np.array_equal(overlap_mask(scene, 128), both)
    same = Scene(shapes=(back, replace(front, color="red")), background=("white",))
    assert not overlap_mask(same, 128).any()  # one colour: no order to show
    found = overlapping_indices(40)
    assert found.size and all(overlap_mask(generate(int(i))[0], 128).any() for i in found)
    plain = [i for i in range(40) if i not in set(found.tolist())]
    scenes = [generate(int(found[0]))[0], generate(plain[0])[0]]
    weights = overlap_weights(scenes, 10.0, (16, 16))
    assert weights.shape == (2, 1, 16, 16)
    assert float(weights[0].max()) > 1.0 and float(weights[1].max()) == 1.0
    assert float(weights.min()) == 1.0 and float(weights.max()) <= 11.0


def test_the_outline_weight_marks_the_latent_pixels_an_outline_crosses():
    from f1studio.demo.train_data import cells_crossed, outline_cells
    from f1studio.demo.world import Scene, Shape, generate, render

    # a level square over the middle: its sides cross the cells along them, not its inside
    # nor the background around it
    square = Shape("square", "red", "large", "centre", x=0.5, y=0.5, extent=0.25, angle=0.0)
    cells = cells_crossed(render(Scene(shapes=(square,), background=("white",))).edges, 16)
    assert cells[4:12, 4:12].any() and not cells[6:10, 6:10].any()
    assert not cells[:3].any() and not cells[13:].any() and not cells[:, :3].any()
    assert cells[8, 4] or cells[8, 3]  # the left side, at mid height
    # the training scenes: exactly the cells holding an edge pixel of the picture
    marked = outline_cells(np.arange(6), 16)
    assert marked.shape == (6, 1, 16, 16) and marked.dtype == torch.bool
    for index in range(6):
        edges = generate(index)[1].edges
        assert np.array_equal(marked[index, 0].numpy(), cells_crossed(edges, 16))
        assert 0 < int(marked[index].sum()) < 256


def test_a_timestep_ceiling_keeps_every_training_timestep_below_it():
    from dataclasses import replace

    from diffusers import DDPMScheduler

    from f1studio.demo import architecture
    from f1studio.demo.train_loop import noisy

    scheduler = DDPMScheduler.from_config(architecture.SCHEDULER_CONFIG)
    latents = torch.zeros(64, 4, 4, 4)
    low = replace(QUICK, max_timestep=500)  # below high_noise_from (700): no high-noise share
    drawn = torch.cat([noisy(low, scheduler, latents, 2, step, 0.25)[2] for step in range(20)])
    assert int(drawn.max()) < 500 and int(drawn.min()) >= 0
    full = torch.cat([noisy(QUICK, scheduler, latents, 2, step, 0.25)[2] for step in range(20)])
    assert int(full.max()) >= 700  # the full range, and its high-noise share, as before


def test_a_timestep_shift_trains_at_lower_noise_and_keeps_the_high_noise_share():
    from dataclasses import replace

    from diffusers import DDPMScheduler

    from f1studio.demo import architecture
    from f1studio.demo.train_loop import noisy, shifted_timesteps

    scheduler = DDPMScheduler.from_config(architecture.SCHEDULER_CONFIG)
    every = torch.arange(1000)
    assert torch.equal(shifted_timesteps(scheduler, every, 1.0), every)
    moved = shifted_timesteps(scheduler, every, 4.0)
    alpha = scheduler.alphas_cumprod.double()
    snr = alpha / (1 - alpha)
    # each one moves to the first timestep whose SNR is at most 4 times its own
    assert bool((snr[moved] <= 4 * snr).all())
    earlier = moved[moved > 0] - 1
    assert bool((snr[earlier] > 4 * snr[moved > 0]).all())
    assert bool((moved <= every).all()) and int(moved[999]) == 999
    assert int(moved[500]) < 350  # half of the uniform draws fall below about t 300

    latents = torch.zeros(256, 4, 4, 4)
    plain = torch.cat([noisy(QUICK, scheduler, latents, 2, s, 0.25)[2] for s in range(8)])
    shifted = torch.cat(
        [noisy(QUICK, scheduler, latents, 2, s, 0.25, shift=4.0)[2] for s in range(8)]
    )
    assert shifted.float().median() < plain.float().median() - 100
    # the same draws, only lower; the high-noise share (a quarter at 700 and up) stays
    assert bool((shifted <= plain).all())
    assert float((shifted >= 700).float().mean()) > 0.2
    # below 1 the draws move to more noise, but never past a phase's ceiling
    noisier = torch.cat(
        [noisy(QUICK, scheduler, latents, 2, s, 0.0, shift=0.5)[2] for s in range(8)]
    )
    assert bool((noisier >= plain_draws(scheduler, latents)).all())
    low = replace(QUICK, max_timestep=500)
    capped = torch.cat([noisy(low, scheduler, latents, 2, s, 0.0, shift=0.5)[2] for s in range(8)])
    assert int(capped.max()) == 499
    # the recipe's low-noise cycles keep their own ceiling's draws, unshifted
    from f1studio.demo.train_stages import timestep_shift, unet_stage_steps

    recipe = replace(FULL, timestep_shift=0.5)
    assert timestep_shift(recipe, 0) == 0.5
    assert timestep_shift(recipe, FULL.unet_steps + FULL.region_steps) == 0.5  # grounding
    assert timestep_shift(recipe, unet_stage_steps(recipe) - 1) == 1.0  # low-noise cycle


def plain_draws(scheduler, latents):  # noqa: ANN001, ANN201
    from f1studio.demo.train_loop import noisy

    return torch.cat([noisy(QUICK, scheduler, latents, 2, s, 0.0)[2] for s in range(8)])


@pytest.mark.parametrize("layout", list(UNET_VARIANTS))
def test_every_unet_layout_to_ablate_takes_regions_and_a_controlnet(layout):
    """A layout the recipe can train (``unet_variant``) keeps Stable Diffusion 1.5's diffusers
    layout: the engine's regional attention and a ControlNet copied from it act on it."""
    from f1studio.demo import architecture
    from f1studio.engine.regional import RegionalAttnProcessor, RegionWeights, regional_attention
    from f1studio.engine.request import Pixels, RegionSpec

    torch.manual_seed(0)
    unet = architecture.build_unet(layout).eval()
    controlnet = architecture.build_controlnet(unet).eval()
    for zero_conv in [*controlnet.controlnet_down_blocks, controlnet.controlnet_mid_block]:
        torch.nn.init.normal_(zero_conv.weight, std=0.02)  # as if trained: its output counts
    latents, states = torch.randn(1, 4, 16, 16), torch.randn(1, 77, architecture.TEXT_WIDTH)
    mask = np.zeros((128, 128), np.uint8)
    mask[:, :64] = 255
    weights = RegionWeights.build([RegionSpec(Pixels.of(mask), "x")], 16, 16, "cpu", torch.float32)
    with torch.no_grad():
        plain = unet(latents, 500, states).sample
        down, mid = controlnet(
            latents, 500, states, controlnet_cond=torch.rand(1, 3, 128, 128), return_dict=False
        )
        guided = unet(
            latents,
            500,
            states,
            down_block_additional_residuals=down,
            mid_block_additional_residual=mid,
        ).sample
        other = torch.randn(1, 77, architecture.TEXT_WIDTH)  # the region's own text
        with regional_attention([unet], RegionalAttnProcessor(weights, 2)):
            same = unet(latents, 500, torch.cat([states, states], dim=1)).sample
            regional = unet(latents, 500, torch.cat([states, other], dim=1)).sample
    assert guided.shape == latents.shape and not torch.equal(guided, plain)
    torch.testing.assert_close(same, plain, atol=1e-5, rtol=1e-4)  # the region says the same
    assert not torch.allclose(regional, plain, atol=1e-3)  # ... or its own text


def test_a_unets_layout_is_read_back_from_its_config():
    from f1studio.demo import architecture

    for name in UNET_VARIANTS:
        assert architecture.variant_of(architecture.build_unet(name).config) == name
    shipped = json.loads((DEMO_ROOT / "pipeline" / "unet" / "config.json").read_text("utf-8"))
    assert architecture.variant_of(shipped) == "attn-all"
    with pytest.raises(ValueError, match="none of the demo layouts"):
        architecture.variant_of({**shipped, "block_out_channels": [8, 16, 16]})


def test_an_unknown_unet_layout_is_named_with_the_known_ones():
    from f1studio.demo import architecture

    with pytest.raises(ValueError, match="attn-all"):
        architecture.build_unet("wide")
