"""Hub downloads with fakes: file choice, progress, cancel, resume and one-line errors. No network."""

from __future__ import annotations

import errno
import itertools
import json
import threading
from pathlib import Path
from types import SimpleNamespace

import huggingface_hub
import pytest
from huggingface_hub.errors import (
    GatedRepoError,
    HfHubHTTPError,
    LocalEntryNotFoundError,
    RepositoryNotFoundError,
)

from f1studio.engine import download_progress, downloads
from f1studio.engine.download_files import preferred_variant, select_files
from f1studio.engine.downloads import (
    DownloadCancelled,
    DownloadError,
    DownloadProgress,
    download,
)
from f1studio.engine.model_files import folder_variant

SHA = "5ca1ab1e" * 5
REPO = "org/tiny"


def response(status: int) -> SimpleNamespace:
    return SimpleNamespace(status_code=status, headers={}, request=None)


class FakeHub:
    """Stands in for the hub: a listing, and hf_hub_download that writes to a fake cache in
    chunks through the tqdm_class it is given (so the hook can raise between chunks)."""

    def __init__(self, cache: Path, files: dict[str, bytes], chunk: int = 1000) -> None:
        self.cache = cache
        self.files = files
        self.chunk = chunk
        self.gated: object = False
        self.requested: list[tuple[str, str]] = []  # (file, revision) asked for
        self.transferred: list[str] = []  # files actually downloaded
        self.errors: dict[str, BaseException] = {}  # file or "listing" -> error to raise
        self.on_chunk = None  # (file, bytes so far) -> None

    def path(self, filename: str) -> Path:
        return self.cache / "models--org--tiny" / "snapshots" / SHA / filename

    def model_info(self, repo_id, revision=None, files_metadata=False, **kwargs):
        if "listing" in self.errors:
            raise self.errors["listing"]
        assert files_metadata and repo_id == REPO
        siblings = [SimpleNamespace(rfilename=k, size=len(v)) for k, v in self.files.items()]
        return SimpleNamespace(sha=SHA, siblings=siblings, gated=self.gated)

    def hf_hub_download(self, repo_id, filename, *, revision, token, tqdm_class, cache_dir):
        assert Path(cache_dir) == self.cache
        self.requested.append((filename, revision))
        if filename in self.errors:
            raise self.errors[filename]
        target = self.path(filename)
        if revision != SHA:
            ref = self.cache / "models--org--tiny" / "refs" / revision
            ref.parent.mkdir(parents=True, exist_ok=True)
            ref.write_text(SHA)
        if target.exists():
            return str(target)
        data = self.files[filename]
        received = bytearray()
        with tqdm_class(total=len(data), initial=0, desc=filename, unit="B") as bar:
            for i in range(0, len(data), self.chunk):
                part = data[i : i + self.chunk]
                received += part
                if self.on_chunk is not None:
                    self.on_chunk(filename, len(received))
                bar.update(len(part))  # raises when cancelled: the partial file is dropped
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(bytes(received))
        self.transferred.append(filename)
        return str(target)

    def try_to_load_from_cache(self, repo_id, filename, cache_dir=None, revision=None):
        return str(self.path(filename)) if self.path(filename).exists() else None


PIPELINE_FILES = {
    "model_index.json": json.dumps(
        {
            "_class_name": "StableDiffusionPipeline",
            "unet": ["diffusers", "UNet2DConditionModel"],
            "tokenizer": ["transformers", "CLIPTokenizer"],
            "safety_checker": [None, None],
        }
    ).encode(),
    "README.md": b"# tiny",
    "v1-5.safetensors": b"s" * 9000,  # the single-file copy: not wanted
    "unet/config.json": b"{}",
    "unet/diffusion_pytorch_model.safetensors": b"w" * 50_000,
    "unet/diffusion_pytorch_model.fp16.safetensors": b"h" * 25_000,
    "unet/diffusion_pytorch_model.bin": b"p" * 50_000,
    "tokenizer/vocab.json": b"{}",
    "tokenizer/merges.txt": b"#",
    "safety_checker/model.safetensors": b"x" * 100,  # null in model_index: not wanted
}
WANTED = [
    "README.md",
    "model_index.json",
    "tokenizer/merges.txt",
    "tokenizer/vocab.json",
    "unet/config.json",
    "unet/diffusion_pytorch_model.safetensors",
]


@pytest.fixture()
def hub(tmp_path, monkeypatch):
    cache = tmp_path / "hf-cache"
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    fake = FakeHub(cache, dict(PIPELINE_FILES))
    monkeypatch.setattr(
        huggingface_hub.HfApi, "model_info", lambda api, *a, **k: fake.model_info(*a, **k)
    )
    monkeypatch.setattr(huggingface_hub, "hf_hub_download", fake.hf_hub_download)
    monkeypatch.setattr(huggingface_hub, "try_to_load_from_cache", fake.try_to_load_from_cache)
    monkeypatch.setattr(huggingface_hub, "get_token", lambda: None)
    clock = itertools.count()
    monkeypatch.setattr(download_progress.time, "monotonic", lambda: next(clock) * 0.05)
    return fake


# ---- which files -----------------------------------------------------------------------------------
def test_a_pipeline_gets_its_components_default_weights_and_configs():
    files = [
        "model_index.json",
        "README.md",
        ".gitattributes",
        "v1-5-pruned.safetensors",
        "v1-5-pruned.ckpt",
        "pipeline.py",
        "feature_extractor/preprocessor_config.json",
        "safety_checker/config.json",
        "safety_checker/model.safetensors",
        "safety_checker/pytorch_model.bin",
        "safety_checker/model.fp16.safetensors",
        "text_encoder_2/model-00001-of-00002.safetensors",
        "text_encoder_2/model-00002-of-00002.safetensors",
        "text_encoder_2/model.safetensors.index.json",
        "tokenizer/merges.txt",
        "tokenizer/spiece.model",
        "unet/config.json",
        "unet/diffusion_pytorch_model.safetensors",
        "unet/diffusion_pytorch_model.fp16.safetensors",
        "unet/diffusion_pytorch_model.non_ema.safetensors",
        "unet/diffusion_pytorch_model.fp16-00001-of-00002.safetensors",
        "unet/diffusion_pytorch_model.safetensors.index.fp16.json",
        "unet/diffusion_pytorch_model.bin",
        "vae/config.json",
        "vae/diffusion_pytorch_model.fp16.safetensors",  # only a variant here: kept
        "vae_decoder/model.onnx",
        "vae_1_0/diffusion_pytorch_model.safetensors",  # not a component
        "images/sample.png",
    ]
    components = [
        "feature_extractor",
        "safety_checker",
        "text_encoder_2",
        "tokenizer",
        "unet",
        "vae",
    ]
    assert select_files(files, components=components) == [
        "README.md",
        "feature_extractor/preprocessor_config.json",
        "model_index.json",
        "safety_checker/config.json",
        "safety_checker/model.safetensors",
        "text_encoder_2/model-00001-of-00002.safetensors",
        "text_encoder_2/model-00002-of-00002.safetensors",
        "text_encoder_2/model.safetensors.index.json",
        "tokenizer/merges.txt",
        "tokenizer/spiece.model",
        "unet/config.json",
        "unet/diffusion_pytorch_model.safetensors",
        "vae/config.json",
        "vae/diffusion_pytorch_model.fp16.safetensors",
    ]


def test_a_controlnet_or_single_file_repository():
    files = [
        "config.json",
        "diffusion_pytorch_model.safetensors",
        "diffusion_pytorch_model.fp16.safetensors",
        "diffusion_pytorch_model.bin",
        "images/canny.png",
        "README.md",
    ]
    assert select_files(files) == [
        "README.md",
        "config.json",
        "diffusion_pytorch_model.safetensors",
    ]
    assert select_files(["sd_xl_base_1.0.safetensors", "x.ckpt"]) == ["sd_xl_base_1.0.safetensors"]


def test_allow_patterns_replace_the_choice_but_never_fetch_pickles_or_code():
    files = ["a.json", "b/c.json", "w.safetensors", "w.bin", "w.ckpt", "run.py"]
    assert select_files(files, allow_patterns="*.json") == ["a.json", "b/c.json"]
    assert select_files(files, allow_patterns=["*"]) == ["a.json", "b/c.json", "w.safetensors"]


# ---- progress, cancel, resume ------------------------------------------------------------------------
def test_download_reports_bytes_rate_and_time_left(hub):
    events: list[DownloadProgress] = []
    folder = download(REPO, on_progress=events.append)
    assert folder == hub.cache / "models--org--tiny" / "snapshots" / SHA
    assert sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()) == WANTED
    total = sum(len(PIPELINE_FILES[f]) for f in WANTED)
    assert {e.bytes_total for e in events} == {total}
    assert {e.files_total for e in events} == {len(WANTED)}
    done = [e.bytes_done for e in events]
    assert done == sorted(done) and done[-1] == total and events[-1].fraction == 1.0
    assert events[-1].files_done == len(WANTED)
    mid = [e for e in events if e.rate and 0 < e.bytes_done < total]
    assert mid and all(e.eta_seconds is not None and e.eta_seconds > 0 for e in mid)
    assert "/s" in mid[0].describe() and "left" in mid[0].describe()
    # the branch name once (so the cache records what "main" is), then the pinned commit
    assert hub.requested[0] == ("model_index.json", "main")
    assert {rev for _, rev in hub.requested[1:]} == {SHA}
    assert (hub.cache / "models--org--tiny" / "refs" / "main").read_text() == SHA


def test_cancel_between_chunks_then_a_second_call_continues(hub):
    cancel = threading.Event()
    big = "unet/diffusion_pytorch_model.safetensors"

    def on_chunk(filename, received):
        if filename == big and received >= 20_000:
            cancel.set()

    hub.on_chunk = on_chunk
    events: list[DownloadProgress] = []
    with pytest.raises(DownloadCancelled):
        download(REPO, on_progress=events.append, cancel=cancel)
    assert big not in hub.transferred and not hub.path(big).exists()
    first_round = list(hub.transferred)
    assert set(first_round) == set(WANTED) - {big}

    hub.on_chunk = None
    hub.transferred.clear()
    resumed: list[DownloadProgress] = []
    download(REPO, on_progress=resumed.append, cancel=threading.Event())
    assert hub.transferred == [big]  # finished files are not fetched again
    small = sum(len(PIPELINE_FILES[f]) for f in first_round)
    assert resumed[0].bytes_done == small and resumed[0].files_done == len(first_round)
    assert resumed[-1].bytes_done == resumed[-1].bytes_total


def test_a_cancel_before_the_start_downloads_nothing(hub):
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(DownloadCancelled):
        download(REPO, on_progress=lambda p: None, cancel=cancel)
    assert hub.requested == []


# ---- errors ------------------------------------------------------------------------------------------
BIG = "unet/diffusion_pytorch_model.safetensors"


@pytest.mark.parametrize(
    ("where", "error", "token", "reason", "words"),
    [
        (
            "listing",
            GatedRepoError("gated", response=response(401)),
            None,
            "gated",
            "accept the licence on the model page",
        ),
        (BIG, GatedRepoError("gated", response=response(403)), "hf_x", "gated", "no access yet"),
        (
            "listing",
            HfHubHTTPError("401", response=response(401)),
            "hf_bad",
            "auth",
            "token was refused",
        ),
        (BIG, HfHubHTTPError("403", response=response(403)), "hf_x", "auth", "HTTP 403"),
        (
            "listing",
            RepositoryNotFoundError("nope", response=response(404)),
            None,
            "not-found",
            "no model 'org/tiny'",
        ),
        ("listing", LocalEntryNotFoundError("cannot reach"), None, "offline", "you are offline"),
        (
            BIG,
            type("ConnectError", (Exception,), {})("refused"),
            None,
            "offline",
            "you are offline",
        ),
        (
            BIG,
            OSError(errno.ENOSPC, "No space left on device"),
            None,
            "disk-full",
            "the disk is full",
        ),
        ("listing", HfHubHTTPError("503", response=response(503)), None, "hub-error", "HTTP 503"),
        (BIG, ValueError("something odd"), None, "failed", "ValueError: something odd"),
    ],
)
def test_errors_are_one_line_that_says_what_to_do(hub, where, error, token, reason, words):
    hub.errors[where] = error
    with pytest.raises(DownloadError) as e:
        download(REPO, on_progress=lambda p: None, token=token)
    assert e.value.reason == reason
    assert words in e.value.message and "\n" not in e.value.message
    if reason == "gated" and token is None:
        assert "token" in e.value.message and "https://huggingface.co/org/tiny" in e.value.message


def test_offline_says_so_before_touching_the_hub(hub, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(DownloadError) as e:
        download(REPO, on_progress=lambda p: None)
    assert e.value.reason == "offline" and e.value.message.startswith("you are offline")
    assert hub.requested == []


def test_a_gated_repository_without_a_token_is_refused_up_front(hub):
    hub.gated = "manual"
    with pytest.raises(DownloadError) as e:
        download(REPO, on_progress=lambda p: None)
    assert e.value.reason == "gated" and hub.requested == []


def test_not_enough_disk_space_is_found_before_the_big_files(hub, monkeypatch):
    monkeypatch.setattr(
        downloads.shutil, "disk_usage", lambda p: SimpleNamespace(total=1, used=0, free=1000)
    )
    with pytest.raises(DownloadError) as e:
        download(REPO, on_progress=lambda p: None)
    assert e.value.reason == "disk-full" and "HF_HUB_CACHE" in e.value.message
    assert BIG not in hub.transferred


def test_a_repository_of_pickles_only_is_refused(hub):
    hub.files = {"config.json": b"{}", "diffusion_pytorch_model.bin": b"p"}
    hub.files.pop("config.json")
    with pytest.raises(DownloadError) as e:
        download(REPO, on_progress=lambda p: None)
    assert e.value.reason == "not-found" and "pickled" in e.value.message


def test_progress_text():
    p = DownloadProgress(REPO, 1_200_000_000, 5_500_000_000, 23_400_000, 190.0)
    assert p.describe() == "1.2 GB of 5.5 GB · 23.4 MB/s · 3 min left"
    assert DownloadProgress(REPO, 10, None, None, None).describe() == "10 B"
    assert [downloads.format_duration(s) for s in (4, 89, 4000)] == ["4 s", "1 min", "1 h 7 min"]


# ---- the real huggingface_hub code path, over a fake HTTP transport -----------------------------------
@pytest.fixture()
def fake_http(tmp_path, monkeypatch, tiny_models):
    """huggingface_hub's own hf_hub_download against an in-process fake of the hub's HTTP API."""
    httpx = pytest.importorskip("httpx2")
    from huggingface_hub import constants
    from huggingface_hub.utils import _http

    files = {
        str(p.relative_to(tiny_models["pipeline"])): p.read_bytes()
        for p in tiny_models["pipeline"].rglob("*")
        if p.is_file()
    }
    files["unet/diffusion_pytorch_model.bin"] = b"pickled"
    state = SimpleNamespace(files=files, gets=[], cancel=None)

    def handler(request):
        path = request.url.path
        if path.startswith(f"/api/models/{REPO}"):
            siblings = [{"rfilename": k, "size": len(v)} for k, v in files.items()]
            return httpx.Response(200, json={"id": REPO, "sha": SHA, "siblings": siblings})
        prefix = f"/{REPO}/resolve/"
        if not path.startswith(prefix):
            return httpx.Response(404)
        name = path[len(prefix) :].partition("/")[2]
        data = files[name]
        headers = {
            "X-Repo-Commit": SHA,
            "ETag": f'"{abs(hash(data)):x}"',
            "Content-Length": str(len(data)),
        }
        if request.method == "HEAD":
            return httpx.Response(200, headers=headers)
        state.gets.append(name)

        def chunks():
            for i in range(0, len(data), 4096):
                if i and state.cancel is not None and name.startswith("unet/"):
                    state.cancel.set()  # the user presses Cancel in the middle of this file
                yield data[i : i + 4096]

        return httpx.Response(200, headers=headers, content=chunks())

    cache = tmp_path / "hub-cache"
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(cache))
    monkeypatch.setattr(huggingface_hub, "get_token", lambda: None)
    previous = _http._GLOBAL_CLIENT_FACTORY
    huggingface_hub.set_client_factory(
        lambda: httpx.Client(transport=httpx.MockTransport(handler), follow_redirects=True)
    )
    yield state
    huggingface_hub.set_client_factory(previous)


def test_real_hub_client_progress_cancel_resume_and_offline_use(fake_http, monkeypatch):
    weights = "unet/diffusion_pytorch_model.safetensors"
    fake_http.cancel = threading.Event()
    with pytest.raises(DownloadCancelled):
        download(REPO, on_progress=lambda p: None, cancel=fake_http.cancel)
    assert weights in fake_http.gets
    fetched_before = list(fake_http.gets)

    fake_http.cancel = None
    fake_http.gets.clear()
    events: list[DownloadProgress] = []
    folder = download(REPO, on_progress=events.append)
    assert "unet/diffusion_pytorch_model.bin" not in fake_http.gets
    assert set(fake_http.gets).isdisjoint(set(fetched_before) - {weights})  # kept from before
    assert events[-1].bytes_done == events[-1].bytes_total
    assert (folder / weights).read_bytes() == fake_http.files[weights]

    # offline afterwards, the engine finds it by its id and the catalog lists it
    from huggingface_hub import constants

    from f1studio.engine.catalog import scan
    from f1studio.engine.models import fetch_hub

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    assert Path(fetch_hub(REPO)) == folder
    listed = scan([])
    assert [(m.name, m.source, m.role) for m in listed] == [(REPO, "hf-cache", "base")]


# ---- fp16 weights for SDXL -----------------------------------------------------------------------
SDXL_LISTING = [
    "model_index.json",
    "sd_xl_base_1.0.safetensors",  # the single-file copy: not wanted
    "sd_xl_base_1.0_0.9vae.safetensors",
    "scheduler/scheduler_config.json",
    "text_encoder/config.json",
    "text_encoder/model.safetensors",
    "text_encoder/model.fp16.safetensors",
    "text_encoder/pytorch_model.bin",
    "text_encoder_2/config.json",
    "text_encoder_2/model-00001-of-00002.safetensors",
    "text_encoder_2/model-00002-of-00002.safetensors",
    "text_encoder_2/model.safetensors.index.json",
    "text_encoder_2/model.fp16-00001-of-00002.safetensors",
    "text_encoder_2/model.fp16-00002-of-00002.safetensors",
    "text_encoder_2/model.safetensors.index.fp16.json",
    "tokenizer/vocab.json",
    "tokenizer_2/vocab.json",
    "unet/config.json",
    "unet/diffusion_pytorch_model.safetensors",
    "unet/diffusion_pytorch_model.fp16.safetensors",
    "unet/diffusion_pytorch_model.non_ema.safetensors",
    "vae/config.json",
    "vae/diffusion_pytorch_model.safetensors",  # no fp16 copy here: the default weights
    "vae_1_0/diffusion_pytorch_model.fp16.safetensors",  # not a component
]
SDXL_COMPONENTS = [
    "scheduler",
    "text_encoder",
    "text_encoder_2",
    "tokenizer",
    "tokenizer_2",
    "unet",
    "vae",
]


def test_fp16_weights_replace_the_defaults_where_a_component_has_them():
    assert select_files(SDXL_LISTING, components=SDXL_COMPONENTS, prefer_variant="fp16") == [
        "model_index.json",
        "scheduler/scheduler_config.json",
        "text_encoder/config.json",
        "text_encoder/model.fp16.safetensors",
        "text_encoder_2/config.json",
        "text_encoder_2/model.fp16-00001-of-00002.safetensors",
        "text_encoder_2/model.fp16-00002-of-00002.safetensors",
        "text_encoder_2/model.safetensors.index.fp16.json",
        "tokenizer/vocab.json",
        "tokenizer_2/vocab.json",
        "unet/config.json",
        "unet/diffusion_pytorch_model.fp16.safetensors",
        "vae/config.json",
        "vae/diffusion_pytorch_model.safetensors",
    ]
    # without the preference: the default weights, as before
    plain = select_files(SDXL_LISTING, components=SDXL_COMPONENTS)
    assert "unet/diffusion_pytorch_model.safetensors" in plain
    assert not [f for f in plain if ".fp16" in f]


def test_only_sdxl_pipelines_prefer_fp16():
    assert preferred_variant({"_class_name": "StableDiffusionXLPipeline"}) == "fp16"
    assert preferred_variant({"_class_name": "StableDiffusionXLImg2ImgPipeline"}) == ("fp16")
    assert preferred_variant({"_class_name": "StableDiffusionPipeline"}) is None
    assert preferred_variant({"_class_name": "FluxPipeline"}) is None


def test_an_sdxl_download_fetches_the_fp16_weights(hub):
    sdxl_index = json.loads(PIPELINE_FILES["model_index.json"])
    sdxl_index["_class_name"] = "StableDiffusionXLPipeline"
    hub.files["model_index.json"] = json.dumps(sdxl_index).encode()
    hub.files["tokenizer/vocab.fp16.json"] = b"{}"  # not weights: untouched by the preference
    folder = download(REPO)
    got = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
    assert "unet/diffusion_pytorch_model.fp16.safetensors" in got
    assert "unet/diffusion_pytorch_model.safetensors" not in got
    assert folder_variant(folder) == "fp16"


def test_the_same_repository_as_sd15_keeps_the_default_weights(hub):
    folder = download(REPO)
    assert "unet/diffusion_pytorch_model.safetensors" in {
        str(p.relative_to(folder)) for p in folder.rglob("*")
    }
    assert folder_variant(folder) is None


def test_folder_variant(tmp_path):
    def make(*names: str) -> Path:
        root = tmp_path / str(len(list(tmp_path.iterdir())))
        parts = {name.split("/")[0] for name in names}
        index = {"_class_name": "StableDiffusionXLPipeline", "scheduler": ["diffusers", "X"]}
        index.update({part: ["diffusers", "Model"] for part in parts if part != "extra"})
        for name in names:
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_bytes(b"")
        (root / "model_index.json").write_text(json.dumps(index))
        return root

    assert folder_variant(make("unet/x.safetensors", "vae/x.safetensors")) is None
    both = make("unet/x.safetensors", "unet/x.fp16.safetensors")
    assert folder_variant(both) is None  # the defaults are there: load those
    mixed = make("unet/x.fp16.safetensors", "text_encoder/model.safetensors")
    assert folder_variant(mixed) == "fp16"
    sharded = make("text_encoder_2/model.fp16-00001-of-00002.safetensors", "vae/x.safetensors")
    assert folder_variant(sharded) == "fp16"
    other = make("unet/x.safetensors", "extra/x.fp16.safetensors")  # not a component
    assert folder_variant(other) is None
    assert folder_variant(tmp_path / "missing") is None


@pytest.fixture(scope="module")
def sdxl_fp16(tiny_sdxl, tmp_path_factory) -> tuple[Path, Path]:
    """The tiny SDXL pipeline, and a copy with only "fp16" files for the UNet and the second
    text encoder (the names are what matters: the weights stay fp32)."""
    import shutil

    folder = tiny_sdxl["pipeline"]
    copy = tmp_path_factory.mktemp("tiny-sdxl-fp16") / "fp16"
    shutil.copytree(folder, copy)
    for part in ("unet", "text_encoder_2"):
        for file in (copy / part).glob("*.safetensors"):
            file.rename(file.with_name(file.name.replace(".safetensors", ".fp16.safetensors")))
    return folder, copy


def test_an_fp16_only_folder_loads_with_that_variant(sdxl_fp16, monkeypatch):
    import torch

    from f1studio.engine.models import load_pipeline

    monkeypatch.delenv("F1STUDIO_MEMORY_MODE", raising=False)
    folder, copy = sdxl_fp16
    assert folder_variant(copy) == "fp16"
    loaded = load_pipeline(str(copy), "cpu").pipe
    reference = load_pipeline(str(folder), "cpu").pipe
    for part in ("unet", "text_encoder_2", "vae"):
        ours, ref = getattr(loaded, part).state_dict(), getattr(reference, part).state_dict()
        assert set(ours) == set(ref) and all(torch.equal(ours[k], ref[k]) for k in ref), part


def test_an_fp16_download_in_the_hub_cache_loads_by_its_id(sdxl_fp16, tmp_path, monkeypatch):
    """What `f1studio models download` leaves for an SDXL repository is found offline by id."""
    import shutil

    import huggingface_hub.constants

    from f1studio.engine.models import load_pipeline

    cache = tmp_path / "hub"
    repo = cache / "models--org--tiny-sdxl"
    shutil.copytree(sdxl_fp16[1], repo / "snapshots" / SHA)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(SHA)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(cache))
    monkeypatch.delenv("F1STUDIO_MEMORY_MODE", raising=False)
    model = load_pipeline("org/tiny-sdxl", "cpu")
    assert model.family.value == "sdxl" and model.pipe.unet is not None
