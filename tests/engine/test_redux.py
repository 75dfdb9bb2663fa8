"""Reference pictures on FLUX.1 through FLUX.1 Redux: a render with one reference equals
diffusers' FluxPipeline given the prompt's T5 tokens and the picture's Redux tokens (as
FluxPriorReduxPipeline makes them); weight 0 is the plain render; the step range and a region
limit are honoured; a wrong folder is one line."""

from __future__ import annotations

import numpy as np
import pytest

from f1studio.engine.events import ErrorKind
from f1studio.engine.models import ModelCache
from f1studio.engine.request import Pixels, ReferenceSpec, RegionSpec
from tests.engine.flux_references import (
    SIZE,
    TEXT,
    coffee_photo,
    flux_request,
    left_half,
    range_changes,
    region_limit_changes,
    whole_canvas_and_unlimited,
)
from tests.engine.helpers import failure, max_diff, render, to_u8

pytest.importorskip("torch")


@pytest.fixture(scope="module")
def redux(tiny_flux, tmp_path_factory):
    from f1studio.testing.tiny_flux import TEXT_DIM
    from f1studio.testing.tiny_redux import build_redux

    return build_redux(tmp_path_factory.mktemp("redux"), TEXT_DIM)


def test_a_redux_reference_equals_diffusers_with_the_redux_tokens(tiny_flux, redux, engine_cache):
    import torch
    from diffusers import FluxPipeline, FluxPriorReduxPipeline
    from PIL import Image

    from f1studio.engine.schedulers import make_scheduler

    photo = coffee_photo()
    ours = render(flux_request(tiny_flux, redux, ReferenceSpec(Pixels.of(photo))), engine_cache)[0]
    prior = FluxPriorReduxPipeline.from_pretrained(str(redux))
    pipe = FluxPipeline.from_pretrained(str(tiny_flux["pipeline"]))
    pipe.set_progress_bar_config(disable=True)
    pipe.scheduler = make_scheduler("flow-euler", pipe.scheduler.config)
    with torch.no_grad():
        image_tokens = prior.image_embedder(
            prior.encode_image(Image.fromarray(photo), "cpu", 1)
        ).image_embeds
        text, pooled, _ = pipe.encode_prompt(
            "a red car on a street", prompt_2=None, max_sequence_length=TEXT
        )
    reference = pipe(
        prompt_embeds=torch.cat([text, image_tokens], dim=1), pooled_prompt_embeds=pooled,
        height=SIZE, width=SIZE, num_inference_steps=6, guidance_scale=3.5,
        generator=torch.Generator("cpu").manual_seed(7), output_type="np",
    ).images  # fmt: skip
    assert max_diff(ours, to_u8(reference)) <= 2
    plain = render(flux_request(tiny_flux, redux), engine_cache)[0]
    assert max_diff(ours, plain) > 10  # the picture steers


def test_weight_zero_is_the_plain_render_and_the_range_is_honoured(tiny_flux, redux, engine_cache):
    photo = Pixels.of(coffee_photo())
    fresh = render(flux_request(tiny_flux, redux), ModelCache())[0]
    zero = render(flux_request(tiny_flux, redux, ReferenceSpec(photo, weight=0.0)), engine_cache)[0]
    assert np.array_equal(zero, fresh)
    throughout, late, light = range_changes(tiny_flux, redux, engine_cache, fresh)
    assert 0 < late < throughout  # active on the last steps only: a smaller change
    assert 0 < light < throughout


def test_a_reference_limited_to_a_region_changes_it_more_than_the_rest(
    tiny_flux, redux, engine_cache
):
    inside, outside = region_limit_changes(tiny_flux, redux, engine_cache)
    assert inside > 3 * outside, (inside, outside)
    everywhere, unlimited = whole_canvas_and_unlimited(tiny_flux, redux, engine_cache)
    assert max_diff(everywhere, unlimited) <= 2


def test_redux_beside_region_prompts(tiny_flux, redux, engine_cache):
    """A region prompt and a reference limited to the other half render in one pass; the
    region keeps its prompt's effect (its pixels equal the render without the reference
    more closely than the reference's half does)."""
    region = RegionSpec(left_half().array()[:, ::-1].copy(), "a blue sky")
    photo = Pixels.of(coffee_photo())
    without = render(
        flux_request(tiny_flux, redux, regions=(RegionSpec(Pixels.of(region.mask), "a blue sky"),)),
        engine_cache,
    )[0].astype(int)
    both = render(
        flux_request(
            tiny_flux,
            redux,
            ReferenceSpec(photo, mask=left_half()),
            regions=(RegionSpec(Pixels.of(region.mask), "a blue sky"),),
        ),
        engine_cache,
    )[0].astype(int)
    change = np.abs(both - without).mean(axis=2)
    assert change[:, : SIZE // 2 - 16].mean() > 2 * change[:, SIZE // 2 + 16 :].mean()


def test_a_wrong_folder_is_one_line(tiny_flux, tiny_models, tmp_path):
    photo = ReferenceSpec(Pixels.of(coffee_photo()))
    missing = failure(flux_request(tiny_flux, tmp_path / "nowhere", photo))
    assert missing.kind == ErrorKind.MODEL_NOT_FOUND and "Redux" in missing.message
    wrong = failure(flux_request(tiny_flux, tiny_models["pipeline"], photo))
    assert wrong.kind == ErrorKind.MODEL_INVALID and "not FLUX.1 Redux" in wrong.message
