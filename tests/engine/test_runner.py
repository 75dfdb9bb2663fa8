"""Events, cancel and clear failures from the runner."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from f1studio.engine.events import (
    Cancelled,
    ErrorKind,
    Failed,
    Finished,
    Loading,
    Progress,
    Started,
)
from f1studio.engine.request import ControlKind, ControlSpec, GenerationRequest, Pixels
from f1studio.engine.runner import run


def _request(models, **kw):
    base = dict(
        prompt="a cat",
        width=64,
        height=64,
        model=str(models["pipeline"]),
        steps=10,
        seed=1,
        device="cpu",
    )
    return GenerationRequest(**{**base, **kw})


def test_events_stream_started_progress_with_previews_then_finished(tiny_models, engine_cache):
    events = []
    result = run(_request(tiny_models), events.append, cache=engine_cache)
    # the model's loading is announced first when no earlier test left it in the cache
    loading = [e for e in events if isinstance(e, Loading)]
    assert events[: len(loading)] == loading
    assert isinstance(events[len(loading)], Started) and events[len(loading)].total_steps == 10
    progress = [e for e in events if isinstance(e, Progress)]
    assert [p.step for p in progress] == list(range(1, 11))
    assert all(p.preview is not None and p.preview.shape == (8, 8, 3) for p in progress)
    assert isinstance(events[-1], Finished) and events[-1].result is result
    assert result.images[0].shape == (64, 64, 3)


def test_cancel_mid_render_stops_within_one_step(tiny_models, engine_cache):
    cancel = threading.Event()
    events = []

    def on_event(event):
        events.append(event)
        if isinstance(event, Progress) and event.step == 3:
            cancel.set()

    result = run(_request(tiny_models, steps=20), on_event, cancel, cache=engine_cache)
    assert result is None
    assert isinstance(events[-1], Cancelled)
    assert max(e.step for e in events if isinstance(e, Progress)) == 3
    assert not any(isinstance(e, Finished) for e in events)


def test_cancel_from_another_thread(tiny_models, engine_cache):
    cancel = threading.Event()
    events = []
    started = threading.Event()

    def on_event(event):
        events.append(event)
        if isinstance(event, Progress):
            started.set()

    worker = threading.Thread(
        target=run,
        args=(_request(tiny_models, steps=200), on_event, cancel),
        kwargs={"cache": engine_cache},
    )
    worker.start()
    assert started.wait(30)
    cancel.set()
    worker.join(30)
    assert not worker.is_alive()
    assert isinstance(events[-1], Cancelled)
    steps = [e.step for e in events if isinstance(e, Progress)]
    assert events[-1].step <= steps[-1] + 1


@pytest.mark.parametrize(
    ("model", "kind", "words"),
    [
        (None, ErrorKind.MODEL_NOT_FOUND, "no model configured"),
        ("/nowhere/model", ErrorKind.MODEL_NOT_FOUND, "not found"),
        ("some-org/some-model", ErrorKind.OFFLINE, "offline"),
    ],
)
def test_bad_model_reference_fails_with_a_clear_message(engine_cache, model, kind, words):
    events = []
    req = GenerationRequest("x", 64, 64, model=model, steps=1, device="cpu")
    assert run(req, events.append, cache=engine_cache) is None
    assert isinstance(events[-1], Failed) and events[-1].kind == kind
    assert words in events[-1].message and "\n" not in events[-1].message


def test_pickled_weights_are_refused_unless_allowed(tmp_path, engine_cache):
    ckpt = tmp_path / "model.ckpt"
    ckpt.write_bytes(b"not really a pickle")
    events = []
    run(
        GenerationRequest("x", 64, 64, model=str(ckpt), steps=1, device="cpu"),
        events.append,
        cache=engine_cache,
    )
    assert events[-1].kind == ErrorKind.UNSAFE_WEIGHTS
    folder = tmp_path / "pickled"
    (folder / "unet").mkdir(parents=True)
    (folder / "model_index.json").write_text('{"_class_name": "StableDiffusionPipeline"}')
    (folder / "unet" / "diffusion_pytorch_model.bin").write_bytes(b"x")
    events.clear()
    run(
        GenerationRequest("x", 64, 64, model=str(folder), steps=1, device="cpu"),
        events.append,
        cache=engine_cache,
    )
    assert events[-1].kind == ErrorKind.UNSAFE_WEIGHTS


def test_folder_that_is_not_a_model_and_unsupported_family(tmp_path, engine_cache):
    events = []
    run(
        GenerationRequest("x", 64, 64, model=str(tmp_path), steps=1, device="cpu"),
        events.append,
        cache=engine_cache,
    )
    assert (
        events[-1].kind == ErrorKind.MODEL_INVALID
        and "not a diffusers model folder" in events[-1].message
    )
    (tmp_path / "model_index.json").write_text('{"_class_name": "KandinskyV22Pipeline"}')
    events.clear()
    run(
        GenerationRequest("x", 64, 64, model=str(tmp_path), steps=1, device="cpu"),
        events.append,
        cache=engine_cache,
    )
    assert events[-1].kind == ErrorKind.MODEL_INVALID
    assert "unknown pipeline type 'KandinskyV22Pipeline'" in events[-1].message


def test_guide_without_controlnet_says_which_one_is_missing(tiny_models, engine_cache):
    spec = ControlSpec(ControlKind.DEPTH, Pixels.of(np.zeros((64, 64), np.uint8)))
    events = []
    run(_request(tiny_models, controls=(spec,)), events.append, cache=engine_cache)
    assert (
        events[-1].kind == ErrorKind.MODEL_NOT_FOUND and "--controlnet depth=" in events[-1].message
    )


def test_model_is_cached_between_jobs_and_engine_stays_usable_after_errors(
    tiny_models, engine_cache
):
    run(_request(tiny_models, steps=1), cache=engine_cache)
    first = engine_cache.loaded.pipe
    run(_request(tiny_models, steps=1, seed=5), cache=engine_cache)
    assert engine_cache.loaded.pipe is first  # not reloaded
    events = []
    run(
        GenerationRequest("x", 64, 64, model="/nowhere", steps=1, device="cpu"),
        events.append,
        cache=engine_cache,
    )
    assert isinstance(events[-1], Failed)
    assert run(_request(tiny_models, steps=1), cache=engine_cache) is not None


def test_two_guides_at_once_use_both_controlnets(tiny_models, engine_cache):
    edges = np.zeros((64, 64), np.uint8)
    edges[20:24] = 255
    depth = np.tile(np.linspace(0, 255, 64, dtype=np.uint8), (64, 1))
    e = ControlSpec(ControlKind.EDGE, Pixels.of(edges), str(tiny_models["controlnet-edge"]))
    d = ControlSpec(
        ControlKind.DEPTH,
        Pixels.of(depth),
        str(tiny_models["controlnet-depth"]),
        weight=1.0,
        start=0.0,
        end=0.5,
    )
    both = run(_request(tiny_models, controls=(e, d)), cache=engine_cache).images[0]
    edge_only = run(_request(tiny_models, controls=(e,)), cache=engine_cache).images[0]
    assert np.abs(both.astype(int) - edge_only).max() > 0


def test_out_of_gpu_memory_is_reported_and_the_next_job_runs(tiny_models, monkeypatch):
    import torch

    from f1studio.engine.families.sd15 import SD15Adapter
    from f1studio.engine.models import ModelCache

    cache = ModelCache()
    original = SD15Adapter.render

    def exhausted(self, *args, **kwargs):
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")

    monkeypatch.setattr(SD15Adapter, "render", exhausted)
    events = []
    assert run(_request(tiny_models, steps=2), events.append, cache=cache) is None
    assert events[-1].kind == ErrorKind.OUT_OF_MEMORY and "smaller canvas" in events[-1].message
    assert cache.loaded is None  # models were unloaded to free memory
    monkeypatch.setattr(SD15Adapter, "render", original)
    assert run(_request(tiny_models, steps=2), cache=cache) is not None


def test_controlnet_hub_id_is_taken_from_the_local_cache(tiny_models, monkeypatch):
    import huggingface_hub

    from f1studio.engine.models import ModelCache

    calls = []

    def cached_snapshot(repo_id, allow_patterns=None, local_files_only=False, **kwargs):
        calls.append((repo_id, local_files_only, tuple(allow_patterns or ())))
        return str(tiny_models["controlnet-edge"])

    monkeypatch.setattr(huggingface_hub, "snapshot_download", cached_snapshot)
    edges = np.zeros((64, 64), np.uint8)
    edges[20:24] = 255
    spec = ControlSpec(ControlKind.EDGE, Pixels.of(edges), "someone/tiny-canny")
    assert run(_request(tiny_models, steps=2, controls=(spec,)), cache=ModelCache()) is not None
    repo, local_only, patterns = calls[0]
    assert repo == "someone/tiny-canny" and local_only and "*.safetensors" in patterns
    assert not any(p.endswith((".bin", ".ckpt")) for p in patterns)


def test_memory_mode_override_is_checked_and_reported(tiny_models, monkeypatch):
    from f1studio.engine.models import ModelCache

    monkeypatch.setenv("F1STUDIO_MEMORY_MODE", "half-on-the-gpu")
    events = []
    assert run(_request(tiny_models, steps=1), events.append, cache=ModelCache()) is None
    assert events[-1].kind == ErrorKind.DEVICE and "F1STUDIO_MEMORY_MODE" in events[-1].message
    monkeypatch.setenv("F1STUDIO_MEMORY_MODE", "model-offload")
    result = run(_request(tiny_models, steps=1), cache=ModelCache())
    # the CPU has nothing to offload to: the model stays put and the plan is reported
    assert result is not None and result.memory.startswith("model-offload")
    monkeypatch.delenv("F1STUDIO_MEMORY_MODE")
    assert run(_request(tiny_models, steps=1), cache=ModelCache()).memory == "full-gpu"
