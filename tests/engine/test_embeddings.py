"""Textual-inversion embeddings by name in the prompt and negative prompt (SD1.5, SDXL):
parity with diffusers' own loading, dropped cleanly, wrong family and FLUX.1 in one line."""

from __future__ import annotations

import numpy as np
import pytest

from f1studio.engine.events import ErrorKind
from f1studio.engine.models import ModelCache
from f1studio.engine.request import EmbeddingSpec, GenerationRequest
from tests.engine.helpers import failure, max_diff, render, to_u8, unet_pipeline

pytest.importorskip("torch")

SIZE = 64


@pytest.fixture(scope="module", params=["sd15", "sdxl"])
def family(request, tmp_path_factory):
    from f1studio.testing.tiny_loras import write_embedding

    name = request.param
    models = request.getfixturevalue("tiny_models" if name == "sd15" else "tiny_sdxl")
    path = write_embedding(
        unet_pipeline(models["pipeline"], name),
        tmp_path_factory.mktemp("emb") / "inkwash.safetensors",
    )
    return name, models, path


def _request(models, path, prompt="a inkwash car", negative="blurry", **kw) -> GenerationRequest:
    base = dict(
        width=SIZE, height=SIZE, model=str(models["pipeline"]), steps=4, seed=2, device="cpu",
        guidance_scale=6.0, negative_prompt=negative,
        embeddings=(EmbeddingSpec(str(path), "inkwash"),),
    )  # fmt: skip
    return GenerationRequest(prompt, **{**base, **kw})


def test_an_embedding_in_the_prompt_equals_diffusers_textual_inversion(family, engine_cache):
    import torch

    from f1studio.engine.schedulers import make_scheduler

    name, models, path = family
    ours = render(_request(models, path), engine_cache)[0]
    pipe = unet_pipeline(models["pipeline"], name)
    pipe.scheduler = make_scheduler("dpmpp-2m", pipe.scheduler.config)
    from safetensors.torch import load_file

    state = load_file(str(path))
    if name == "sdxl":
        pipe.load_textual_inversion(
            state["clip_l"],
            token="inkwash",
            text_encoder=pipe.text_encoder,
            tokenizer=pipe.tokenizer,
        )
        pipe.load_textual_inversion(
            state["clip_g"],
            token="inkwash",
            text_encoder=pipe.text_encoder_2,
            tokenizer=pipe.tokenizer_2,
        )
    else:
        pipe.load_textual_inversion(str(path), token="inkwash")
    ref = pipe(
        "a inkwash car", negative_prompt="blurry", height=SIZE, width=SIZE, num_inference_steps=4,
        guidance_scale=6.0, generator=torch.Generator("cpu").manual_seed(2), output_type="np",
    ).images  # fmt: skip
    assert max_diff(ours, to_u8(ref)) <= 2
    without = render(_request(models, path).with_changes(embeddings=()), engine_cache)[0]
    assert max_diff(ours, without) > 10  # the word means the embedding, not text


def test_an_embedding_in_the_negative_prompt_acts(family, engine_cache):
    _, models, path = family
    with_it = render(_request(models, path, prompt="a car", negative="inkwash"), engine_cache)[0]
    plain = render(
        _request(models, path, prompt="a car", negative="inkwash", embeddings=()), engine_cache
    )[0]
    assert max_diff(with_it, plain) > 10


def test_renders_after_an_embedding_are_as_before(family, engine_cache):
    _, models, path = family
    later = _request(models, path, prompt="a red car").with_changes(embeddings=())
    fresh = render(later, ModelCache())[0]
    render(_request(models, path), engine_cache)
    assert np.array_equal(render(later, engine_cache)[0], fresh)


def test_wrong_family_and_flux_are_one_line(tiny_models, tiny_sdxl, tiny_flux, tmp_path):
    from f1studio.testing.tiny_loras import write_embedding

    sd15 = write_embedding(
        unet_pipeline(tiny_models["pipeline"], "sd15"), tmp_path / "sd15emb.safetensors"
    )
    wrong = failure(_request(tiny_sdxl, sd15))
    assert wrong.kind == ErrorKind.MODEL_INVALID and "sd15emb is an embedding for" in wrong.message
    flux = failure(_request(tiny_flux, sd15, negative="", scheduler="flow-euler"))
    assert flux.kind == ErrorKind.BAD_REQUEST and "not FLUX.1" in flux.message
    missing = failure(_request(tiny_models, tmp_path / "gone.safetensors"))
    assert missing.kind == ErrorKind.MODEL_NOT_FOUND
