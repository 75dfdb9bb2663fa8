"""Reference pictures on FLUX.1 through FLUX.1 Redux: a render with one reference equals
diffusers' FluxPipeline given the prompt's T5 tokens and the picture's Redux tokens (as
FluxPriorReduxPipeline makes them); weight 0 is the plain render; the step range and a region
limit are honoured; a wrong folder is one line."""

from __future__ import annotations

import numpy as np
import pytest

from f1studio.engine.events import ErrorKind
from f1studio.engine.models import ModelCache
from f1studio.engine.request import GenerationRequest, Pixels, ReferenceSpec, RegionSpec
from tests.engine.helpers import failure, max_diff, render, to_u8

pytest.importorskip("torch")

SIZE = 128  # 8x8 image tokens
TEXT = 64  # the tiny T5 tokenizer's length


@pytest.fixture(scope="module")
def redux(tiny_flux, tmp_path_factory):
    from f1studio.testing.tiny_flux import TEXT_DIM
    from f1studio.testing.tiny_redux import build_redux

    return build_redux(tmp_path_factory.mktemp("redux"), TEXT_DIM)


def _photo() -> np.ndarray:
    skimage = pytest.importorskip("skimage")
    return np.ascontiguousarray(skimage.data.coffee()[::4, ::4])


def _request(tiny_flux, redux, *refs: ReferenceSpec, **kw) -> GenerationRequest:
    base = dict(
        width=SIZE, height=SIZE, model=str(tiny_flux["pipeline"]), steps=6, seed=7,
        device="cpu", guidance_scale=3.5, scheduler="flow-euler", references=refs,
        ip_adapter=str(redux),
    )  # fmt: skip
    return GenerationRequest(**{"prompt": "a red car on a street", **base, **kw})


def test_a_redux_reference_equals_diffusers_with_the_redux_tokens(tiny_flux, redux, engine_cache):
    import torch
    from diffusers import FluxPipeline, FluxPriorReduxPipeline
    from PIL import Image

    from f1studio.engine.schedulers import make_scheduler

    photo = _photo()
    ours = render(_request(tiny_flux, redux, ReferenceSpec(Pixels.of(photo))), engine_cache)[0]
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
    plain = render(_request(tiny_flux, redux), engine_cache)[0]
    assert max_diff(ours, plain) > 10  # the picture steers


def test_weight_zero_is_the_plain_render_and_the_range_is_honoured(tiny_flux, redux, engine_cache):
    photo = Pixels.of(_photo())
    fresh = render(_request(tiny_flux, redux), ModelCache())[0]
    zero = render(_request(tiny_flux, redux, ReferenceSpec(photo, weight=0.0)), engine_cache)[0]
    assert np.array_equal(zero, fresh)
    plain = fresh.astype(int)

    def change(**ref) -> float:
        image = render(_request(tiny_flux, redux, ReferenceSpec(photo, **ref)), engine_cache)[0]
        return float(np.abs(image.astype(int) - plain).mean())

    throughout, late, light = change(), change(start=0.67), change(weight=0.3)
    assert 0 < late < throughout  # active on the last steps only: a smaller change
    assert 0 < light < throughout


def _left_half() -> Pixels:
    mask = np.zeros((SIZE, SIZE), np.uint8)
    mask[:, : SIZE // 2] = 255
    return Pixels.of(mask)


def test_a_reference_limited_to_a_region_changes_it_more_than_the_rest(
    tiny_flux, redux, engine_cache
):
    photo = Pixels.of(_photo())
    plain = render(_request(tiny_flux, redux), engine_cache)[0].astype(int)
    limited = render(
        _request(tiny_flux, redux, ReferenceSpec(photo, mask=_left_half())), engine_cache
    )[0].astype(int)
    change = np.abs(limited - plain).mean(axis=2)
    inside = change[:, : SIZE // 2 - 16].mean()
    outside = change[:, SIZE // 2 + 16 :].mean()
    assert inside > 3 * outside, (inside, outside)
    whole = Pixels.of(np.full((SIZE, SIZE), 255, np.uint8))
    everywhere = render(_request(tiny_flux, redux, ReferenceSpec(photo, mask=whole)), engine_cache)
    unlimited = render(_request(tiny_flux, redux, ReferenceSpec(photo)), engine_cache)
    assert max_diff(everywhere[0], unlimited[0]) <= 2


def test_redux_beside_region_prompts(tiny_flux, redux, engine_cache):
    """A region prompt and a reference limited to the other half render in one pass; the
    region keeps its prompt's effect (its pixels equal the render without the reference
    more closely than the reference's half does)."""
    region = RegionSpec(_left_half().array()[:, ::-1].copy(), "a blue sky")
    photo = Pixels.of(_photo())
    without = render(
        _request(tiny_flux, redux, regions=(RegionSpec(Pixels.of(region.mask), "a blue sky"),)),
        engine_cache,
    )[0].astype(int)
    both = render(
        _request(
            tiny_flux,
            redux,
            ReferenceSpec(photo, mask=_left_half()),
            regions=(RegionSpec(Pixels.of(region.mask), "a blue sky"),),
        ),
        engine_cache,
    )[0].astype(int)
    change = np.abs(both - without).mean(axis=2)
    assert change[:, : SIZE // 2 - 16].mean() > 2 * change[:, SIZE // 2 + 16 :].mean()


def test_a_wrong_folder_is_one_line(tiny_flux, tiny_models, tmp_path):
    photo = ReferenceSpec(Pixels.of(_photo()))
    missing = failure(_request(tiny_flux, tmp_path / "nowhere", photo))
    assert missing.kind == ErrorKind.MODEL_NOT_FOUND and "Redux" in missing.message
    wrong = failure(_request(tiny_flux, tiny_models["pipeline"], photo))
    assert wrong.kind == ErrorKind.MODEL_INVALID and "not FLUX.1 Redux" in wrong.message
