"""Download models from the Hugging Face hub into its cache, with progress, cancel and resume.

``download(repo_id, on_progress=..., cancel=...)`` fetches the files a model needs, one at a
time with ``huggingface_hub.hf_hub_download`` (no Qt, no torch):

- **which files**: safetensors weights and the JSON/text/tokenizer files that describe them,
  never pickled weights (``.bin``/``.ckpt``/``.pt``) or code. For a diffusers pipeline only the
  component folders named in ``model_index.json`` (not the single-file copies at the top of the
  repository), and only the default (not ``fp16``/``non_ema``) weights; except for SDXL pipelines,
  whose ``fp16`` weights (half the size) are taken for every component that has them (the
  engine then loads that variant: :func:`folder_variant`). ``allow_patterns`` replaces this
  choice (pickled files stay excluded).
- **progress**: ``on_progress(DownloadProgress)`` at most ~10 times a second and after every
  file, with bytes done/total, the rate over the last seconds and the time left.
- **resume**: files already in the cache are not downloaded again, so calling ``download``
  again after a cancel, a crash or a lost connection continues with the files still missing
  (huggingface_hub keeps Xet chunks it has already fetched, so a large file resumes too).
- **cancel**: ``cancel`` (a ``threading.Event``) is checked for every chunk received and
  between files; a cancelled download raises :class:`DownloadCancelled`.
- **errors** are :class:`DownloadError` with a one-line message that says what to do (gated
  repository, refused token, unknown id, offline, disk full).
"""

from __future__ import annotations

import fnmatch
import json
import os
import shutil
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

WEIGHT_PATTERNS = ("*.safetensors",)
DESCRIPTION_PATTERNS = ("*.json", "*.txt", "*.model")
EXTRA_TOP_FILES = ("README.md", "LICENSE", "LICENSE.md", "LICENSE.txt")
NEVER = (".bin", ".ckpt", ".pt", ".pth", ".pkl", ".pickle", ".py", ".pyc", ".msgpack", ".h5")
VARIANTS = ("fp16", "bf16", "fp32", "fp8", "non_ema", "ema_only", "ema")
PROGRESS_INTERVAL = 0.1  # seconds between two progress reports (besides file boundaries)
RATE_WINDOW = 5.0  # seconds of history the rate is computed over


class DownloadCancelled(Exception):
    """The download was cancelled; files finished so far stay in the cache."""


class DownloadError(Exception):
    """A download failed; ``message`` is one line for the user, ``reason`` one of
    gated, auth, not-found, offline, disk-full, hub-error, failed."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class DownloadProgress:
    repo_id: str
    bytes_done: int
    bytes_total: int | None
    rate: float | None  # bytes per second, over the last few seconds; None before it is known
    eta_seconds: float | None  # None while the rate or the total is unknown
    file: str = ""  # the file being downloaded
    files_done: int = 0
    files_total: int = 0

    @property
    def fraction(self) -> float | None:
        if not self.bytes_total:
            return None
        return min(1.0, self.bytes_done / self.bytes_total)

    def describe(self) -> str:
        """``1.2 GB of 5.5 GB · 23.4 MB/s · 3 min left``"""
        from f1studio.engine.catalog import format_size

        parts = [
            f"{format_size(self.bytes_done)} of {format_size(self.bytes_total)}"
            if self.bytes_total
            else format_size(self.bytes_done)
        ]
        if self.rate:
            parts.append(f"{format_size(int(self.rate))}/s")
        if self.eta_seconds is not None:
            parts.append(f"{format_duration(self.eta_seconds)} left")
        return " · ".join(parts)


def format_duration(seconds: float) -> str:
    """``45 s``, ``3 min``, ``1 h 20 min``."""
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return f"{seconds} s"
    minutes = (seconds + 30) // 60
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60} min"


def hub_offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "0").strip().lower() in ("1", "true", "yes", "on")


# ---- which files ----------------------------------------------------------------------------
def _variant_name(name: str) -> str | None:
    """The variant of ``x.fp16.safetensors``, ``x.fp16-00001-of-00002.safetensors`` (or the legacy
    ``x-00001-of-00002.fp16.safetensors``) and of the index files of such variants, else None."""
    base = name.rsplit("/", 1)[-1]
    for v in VARIANTS:
        if (
            f".{v}.safetensors" in base
            or f".{v}-" in base
            and base.endswith(".safetensors")
            or base.endswith((f".safetensors.index.{v}.json", f".{v}.safetensors.index.json"))
        ):
            return v
    return None


def _variant_of(name: str) -> bool:
    return _variant_name(name) is not None


def _is_weight_file(name: str) -> bool:
    base = name.rpartition("/")[2]
    return (
        _matches(base, WEIGHT_PATTERNS)
        or base.endswith(".safetensors.index.json")
        or (_variant_of(base) and base.endswith(".json"))
    )


def _matches(name: str, patterns: Iterable[str]) -> bool:
    return any(fnmatch.fnmatchcase(name, p) for p in patterns)


def pipeline_components(model_index: Mapping[str, Any]) -> list[str]:
    """The component folders a diffusers ``model_index.json`` names (those not set to null)."""
    return [
        name
        for name, value in model_index.items()
        if not name.startswith("_")
        and isinstance(value, (list, tuple))
        and len(value) == 2
        and value[0] is not None
        and value[1] is not None
    ]


def select_files(
    files: Iterable[str],
    *,
    components: Iterable[str] | None = None,
    allow_patterns: Iterable[str] | str | None = None,
    prefer_variant: str | None = None,
) -> list[str]:
    """The files of a repository to download (see the module docstring). ``components`` are the
    pipeline's component folders (``None``: not a pipeline). ``prefer_variant`` (``"fp16"``):
    a folder with weights of that variant gets only those (and their index), the others their
    default weights."""
    names = [f for f in files if not f.lower().endswith(NEVER)]
    if allow_patterns is not None:
        patterns = [allow_patterns] if isinstance(allow_patterns, str) else list(allow_patterns)
        return sorted(n for n in names if _matches(n, patterns))
    keep: list[str] = []
    folders = set(components) if components is not None else None
    for name in names:
        folder, _, base = name.rpartition("/")
        top = "/" not in name
        if top and base in EXTRA_TOP_FILES:
            keep.append(name)
            continue
        if not _matches(base, WEIGHT_PATTERNS + DESCRIPTION_PATTERNS):
            continue
        if folders is not None:
            if top and _matches(base, WEIGHT_PATTERNS):
                continue  # single-file copies next to a diffusers pipeline
            if not top and folder.split("/")[0] not in folders:
                continue  # onnx exports, alternative VAEs, sample folders, ...
        keep.append(name)
    if prefer_variant is not None:
        preferred_dirs = {
            n.rpartition("/")[0]
            for n in keep
            if _matches(n.rpartition("/")[2], WEIGHT_PATTERNS)
            and _variant_name(n) == prefer_variant
        }
        keep = [
            n
            for n in keep
            if n.rpartition("/")[0] not in preferred_dirs
            or not _is_weight_file(n)
            or _variant_name(n) == prefer_variant
        ]
    # drop fp16/non_ema/... copies where the folder has the default weights
    default_dirs = {
        n.rpartition("/")[0]
        for n in keep
        if _matches(n.rpartition("/")[2], WEIGHT_PATTERNS) and not _variant_of(n)
    }
    return sorted(n for n in keep if not (_variant_of(n) and n.rpartition("/")[0] in default_dirs))


def preferred_variant(model_index: Mapping[str, Any]) -> str | None:
    """The weights variant worth downloading for a pipeline: ``fp16`` for SDXL (the engine runs
    it in fp16 on GPUs anyway, and the default fp32 weights are twice the size), else None."""
    name = model_index.get("_class_name")
    return "fp16" if isinstance(name, str) and name.startswith("StableDiffusionXL") else None


def folder_variant(folder: str | Path) -> str | None:
    """The variant to load a downloaded pipeline folder with: the one whose weights stand alone
    in some component folder of ``model_index.json`` (no default weights beside them), else None
    (the defaults)."""
    root = Path(folder)
    found: set[str] = set()
    try:
        index = json.loads((root / "model_index.json").read_text("utf-8"))
        parts = [root / name for name in pipeline_components(index)]
        for part in (p for p in parts if p.is_dir()):
            names = [p.name for p in part.iterdir() if p.suffix == ".safetensors"]
            if names and all(_variant_of(n) for n in names):
                found.update(v for v in map(_variant_name, names) if v is not None)
    except (OSError, ValueError, AttributeError):
        return None
    return "fp16" if "fp16" in found else (min(found) if len(found) == 1 else None)


# ---- progress -------------------------------------------------------------------------------
class _Tracker:
    """Counts bytes for one download; reports progress and raises when cancelled."""

    def __init__(
        self,
        repo_id: str,
        total: int | None,
        files_total: int,
        on_progress: Callable[[DownloadProgress], None] | None,
        cancel: threading.Event | None,
    ) -> None:
        self.repo_id = repo_id
        self.total = total
        self.files_total = files_total
        self.on_progress = on_progress
        self.cancel = cancel
        self.done = 0  # finished files plus the current file's bytes
        self.received = 0  # bytes received in this call (for the rate)
        self.files_done = 0
        self.file = ""
        self._lock = threading.RLock()  # Xet reports from its own threads
        self._samples: deque[tuple[float, int]] = deque()
        self._last_report = 0.0
        self.ready = False  # reports start once the total is known

    def check(self) -> None:
        if self.cancel is not None and self.cancel.is_set():
            raise DownloadCancelled(f"download of {self.repo_id} cancelled")

    def add(self, n: int, received: bool = True) -> None:
        with self._lock:
            self.done += n
            if received:
                self.received += n
            self.check()
            self.report()

    def rate(self, now: float) -> float | None:
        samples = self._samples
        samples.append((now, self.received))
        while len(samples) > 2 and now - samples[0][0] > RATE_WINDOW:
            samples.popleft()
        t0, r0 = samples[0]
        if now - t0 < 0.2:
            return None
        return max(0.0, (self.received - r0) / (now - t0))

    def report(self, force: bool = False) -> None:
        with self._lock:
            self._report(force)

    def _report(self, force: bool) -> None:
        if not self.ready:
            return
        now = time.monotonic()
        if not force and now - self._last_report < PROGRESS_INTERVAL:
            return
        self._last_report = now
        rate = self.rate(now)
        eta = None
        if rate and self.total is not None:
            eta = max(0, self.total - self.done) / rate
        elif self.total is not None and self.done >= self.total:
            eta = 0.0
        if self.on_progress is not None:
            self.on_progress(
                DownloadProgress(
                    self.repo_id,
                    self.done,
                    self.total,
                    rate,
                    eta,
                    self.file,
                    self.files_done,
                    self.files_total,
                )
            )


class _ProgressHook:
    """What huggingface_hub takes as ``tqdm_class``: it counts the bytes written into the
    tracker (which raises :class:`DownloadCancelled` when the cancel event is set)."""

    tracker: _Tracker

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.total = kwargs.get("total")
        self.n = 0
        self.disable = False
        initial = kwargs.get("initial") or 0
        if initial:  # bytes of a partial file already on disk
            self.n = initial
            self.tracker.add(initial, received=False)

    def update(self, n: float | None = 1) -> None:
        n = int(n or 0)
        if n:
            self.n += n
            self.tracker.add(n)

    def update_transfer(self, n: float | None = 1) -> None:
        self.tracker.check()

    @property
    def format_dict(self) -> dict[str, Any]:
        return {"rate": None, "n": self.n, "total": self.total}

    def set_postfix_str(self, *args: Any, **kwargs: Any) -> None:
        pass

    set_transfer_postfix_str = set_description = set_description_str = set_postfix_str
    refresh = clear = reset = set_postfix = set_postfix_str

    def close(self) -> None:
        pass

    def __enter__(self) -> _ProgressHook:
        return self

    def __exit__(self, *exc: Any) -> None:
        pass


# ---- errors ---------------------------------------------------------------------------------
_NETWORK_ERRORS = {
    "ConnectError",
    "ConnectTimeout",
    "ReadTimeout",
    "TimeoutException",
    "NetworkError",
    "ConnectionError",
    "OfflineModeIsEnabled",
    "LocalEntryNotFoundError",
    "ProxyError",
    "gaierror",
    "RemoteProtocolError",
}


def _chain(error: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    e: BaseException | None = error
    while e is not None and e not in seen:
        seen.append(e)
        e = e.__cause__ or e.__context__
    return seen


def _status(error: BaseException) -> int | None:
    response = getattr(error, "response", None)
    code = getattr(response, "status_code", None)
    return code if isinstance(code, int) else None


def explain(error: BaseException, repo_id: str, *, token_given: bool = False) -> DownloadError:
    """One line for the user about why downloading ``repo_id`` failed."""
    if isinstance(error, DownloadError):
        return error
    page = f"https://huggingface.co/{repo_id}"
    chain = _chain(error)
    names = {cls.__name__ for e in chain for cls in type(e).__mro__}
    if "GatedRepoError" in names:
        if token_given:
            return DownloadError(
                "gated",
                f"{repo_id} is gated and your token has no access yet: accept the licence on "
                f"{page} with the token's account, then try again",
            )
        return DownloadError(
            "gated",
            f"{repo_id} is gated: accept the licence on the model page ({page}) and set a token "
            "(HF_TOKEN, `hf auth login`, or the token field)",
        )
    for e in chain:
        if isinstance(e, OSError) and e.errno in (28, 122):  # ENOSPC, EDQUOT
            from f1studio.engine.catalog import hf_cache_dir

            return DownloadError(
                "disk-full",
                f"the disk is full: not enough space for {repo_id} in {hf_cache_dir()}; free "
                "some space or set HF_HUB_CACHE to a folder on a larger disk",
            )
    code = next((c for c in map(_status, chain) if c is not None), None)
    if code == 401 and token_given:
        return DownloadError(
            "auth",
            "the Hugging Face token was refused (HTTP 401): it is wrong or expired; create a new "
            "one at https://huggingface.co/settings/tokens",
        )
    if code == 403:
        return DownloadError(
            "auth",
            f"your Hugging Face token may not read {repo_id} (HTTP 403): use a token with read "
            f"access, and accept the licence on {page} if it asks you to",
        )
    if names & {"RepositoryNotFoundError", "RevisionNotFoundError", "RemoteEntryNotFoundError"} or (
        code in (401, 404)
    ):
        return DownloadError(
            "not-found",
            f"there is no model {repo_id!r} on the Hugging Face hub: check the id (a private "
            "model also needs a token)",
        )
    if names & _NETWORK_ERRORS:
        return DownloadError(
            "offline",
            f"you are offline: huggingface.co cannot be reached to download {repo_id}; check "
            "the connection (files finished so far are kept)",
        )
    if code is not None and code >= 500:
        return DownloadError(
            "hub-error", f"the Hugging Face hub answered HTTP {code}; try again later"
        )
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return DownloadError(
        "failed", f"downloading {repo_id} failed: {type(error).__name__}: {text[:200]}".rstrip(": ")
    )


# ---- the download ---------------------------------------------------------------------------
def _listing(api: Any, repo_id: str, revision: str) -> tuple[str, dict[str, int | None], Any]:
    info = api.model_info(repo_id, revision=revision, files_metadata=True)
    files = {s.rfilename: getattr(s, "size", None) for s in (info.siblings or [])}
    return str(info.sha), files, info


def _snapshot_of(path: str, filename: str) -> Path:
    p = Path(path)
    for _ in filename.split("/"):
        p = p.parent
    return p


def _free_bytes(folder: Path) -> int | None:
    for p in (folder, *folder.parents):
        try:
            return shutil.disk_usage(p).free
        except OSError:
            continue
    return None


def download(
    repo_id: str,
    *,
    on_progress: Callable[[DownloadProgress], None] | None = None,
    cancel: threading.Event | None = None,
    token: str | None = None,
    allow_patterns: Iterable[str] | str | None = None,
    revision: str = "main",
) -> Path:
    """Download ``repo_id`` into the Hugging Face cache and return its snapshot folder.

    ``token``: a Hugging Face token for gated or private models (default: the one huggingface_hub
    knows, from ``HF_TOKEN`` or ``hf auth login``). Raises :class:`DownloadCancelled` or
    :class:`DownloadError`.
    """
    if hub_offline():
        raise DownloadError(
            "offline",
            f"you are offline (HF_HUB_OFFLINE is set): {repo_id} cannot be downloaded; unset "
            "HF_HUB_OFFLINE once connected",
        )
    import huggingface_hub as hf

    token = token or None
    token_given = bool(token) or bool(_known_token())
    try:
        return _download(hf, repo_id, on_progress, cancel, token, allow_patterns, revision)
    except (DownloadCancelled, DownloadError, KeyboardInterrupt):
        raise
    except Exception as e:  # noqa: BLE001 - every hub/network/disk failure becomes one line
        raise explain(e, repo_id, token_given=token_given) from e


def _known_token() -> str | None:
    try:
        from huggingface_hub import get_token

        return get_token()
    except Exception:  # noqa: BLE001 - no token is the answer to any failure here
        return None


def _download(
    hf: Any,
    repo_id: str,
    on_progress: Callable[[DownloadProgress], None] | None,
    cancel: threading.Event | None,
    token: str | None,
    allow_patterns: Iterable[str] | str | None,
    revision: str,
) -> Path:
    if cancel is not None and cancel.is_set():
        raise DownloadCancelled(f"download of {repo_id} cancelled")
    api = hf.HfApi(token=token)
    sha, files, info = _listing(api, repo_id, revision)
    if getattr(info, "gated", False) and not (token or _known_token()):
        raise DownloadError(
            "gated",
            f"{repo_id} is gated: accept the licence on the model page "
            f"(https://huggingface.co/{repo_id}) and set a token (HF_TOKEN, `hf auth login`, or "
            "the token field)",
        )
    from f1studio.engine.catalog import format_size, hf_cache_dir

    cache = str(hf_cache_dir())  # read from the environment now, as the catalog does
    tracker = _Tracker(repo_id, None, 0, on_progress, cancel)
    hook = type("_Hook", (_ProgressHook,), {"tracker": tracker})

    def fetch(filename: str, rev: str) -> str:
        return hf.hf_hub_download(
            repo_id, filename, revision=rev, token=token, tqdm_class=hook, cache_dir=cache
        )

    # The first file is fetched by branch name, so that huggingface_hub records which commit
    # the branch points to (loaders that ask for "main" offline then find the snapshot); every
    # other file by that commit, so that all of them come from the same one.
    if "model_index.json" in files:
        first: str | None = "model_index.json"
    else:
        candidates = select_files(files, allow_patterns=allow_patterns)
        first = min(candidates, key=lambda f: (files[f] or 0, f)) if candidates else None
    components: list[str] | None = None
    variant: str | None = None
    snapshot: Path | None = None
    if first is not None:
        path = fetch(first, revision)
        snapshot = _snapshot_of(path, first)
        if snapshot.name != sha:  # the branch moved between the listing and the download
            sha, files, info = _listing(api, repo_id, snapshot.name)
        if first == "model_index.json":
            try:
                index = json.loads(Path(path).read_text("utf-8"))
                components = pipeline_components(index)
                variant = preferred_variant(index)
            except (OSError, ValueError, AttributeError):
                components = []
    wanted = select_files(
        files, components=components, allow_patterns=allow_patterns, prefer_variant=variant
    )
    if snapshot is None or not wanted:
        raise DownloadError(
            "not-found",
            f"{repo_id} has no safetensors model files to download (pickled weights are not "
            "downloaded)",
        )
    sizes = {f: files.get(f) for f in wanted}
    known = all(s is not None for s in sizes.values())
    tracker.total = sum(s or 0 for s in sizes.values()) if known else None
    tracker.files_total = len(wanted)
    cached = {f for f in wanted if f == first or _is_cached(hf, repo_id, f, sha, cache)}
    missing = sum(sizes[f] or 0 for f in wanted if f not in cached)
    free = _free_bytes(Path(cache))
    if free is not None and missing > free:
        raise DownloadError(
            "disk-full",
            f"not enough disk space for {repo_id}: it needs {format_size(missing)} more and "
            f"{cache} has {format_size(free)} free; free some space or set HF_HUB_CACHE "
            "to a folder on a larger disk",
        )
    # files already in the cache count as done, but not towards the rate
    with tracker._lock:
        tracker.done = sum(sizes[f] or 0 for f in cached)
        tracker.received = 0
        tracker.files_done = len(cached)
    tracker.ready = True
    tracker.report(force=True)
    for filename in sorted(
        (f for f in wanted if f not in cached), key=lambda f: (sizes[f] or 0, f)
    ):
        tracker.check()
        tracker.file = filename
        before = tracker.done
        fetch(filename, sha)
        with tracker._lock:
            tracker.done = before + (sizes[filename] or (tracker.done - before))
            tracker.files_done += 1
        tracker.report(force=True)
    tracker.file = ""
    tracker.report(force=True)
    return snapshot


def _is_cached(hf: Any, repo_id: str, filename: str, sha: str, cache: str) -> bool:
    try:
        found = hf.try_to_load_from_cache(repo_id, filename, cache_dir=cache, revision=sha)
    except Exception:  # noqa: BLE001 - unknown means "download it"
        return False
    return isinstance(found, str)
