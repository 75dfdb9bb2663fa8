"""Download models from the Hugging Face hub into its cache, with progress, cancel and resume.

``download(repo_id, on_progress=..., cancel=...)`` fetches the files a model needs, one at a
time with ``huggingface_hub.hf_hub_download`` (no Qt, no torch):

- **which files**: safetensors weights and the JSON/text/tokenizer files that describe them,
  never pickled weights (``.bin``/``.ckpt``/``.pt``) or code. For a diffusers pipeline only the
  component folders named in ``model_index.json`` (not the single-file copies at the top of the
  repository), and only the default (not ``fp16``/``non_ema``) weights; except for SDXL pipelines,
  whose ``fp16`` weights (half the size) are taken for every component that has them (the
  engine then loads that variant: :func:`f1studio.engine.model_files.folder_variant`).
  ``allow_patterns`` replaces this choice (pickled files stay excluded); see
  :mod:`f1studio.engine.download_files`.
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

import json
import shutil
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from f1studio.engine.download_files import preferred_variant, select_files
from f1studio.engine.download_progress import (
    DownloadCancelled,
    DownloadProgress,
    ProgressHook,
    ProgressTracker,
    format_duration,
)
from f1studio.engine.model_files import hf_cache_dir, hub_offline, pipeline_components

__all__ = [
    "DownloadCancelled",
    "DownloadError",
    "DownloadProgress",
    "download",
    "explain",
    "format_duration",
    "hub_offline",
]


class DownloadError(Exception):
    """A download failed; ``message`` is one line for the user, ``reason`` one of
    gated, auth, not-found, offline, disk-full, hub-error, failed."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


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
    from f1studio.engine.catalog import format_size

    cache = str(hf_cache_dir())  # read from the environment now, as the catalog does
    tracker = ProgressTracker(repo_id, None, 0, on_progress, cancel)
    hook = ProgressHook.bound_to(tracker)

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
    total = sum(s or 0 for s in sizes.values()) if known else None
    tracker.start(total, len(wanted), sum(sizes[f] or 0 for f in cached), len(cached))
    for filename in sorted(
        (f for f in wanted if f not in cached), key=lambda f: (sizes[f] or 0, f)
    ):
        tracker.check()
        tracker.file = filename
        before = tracker.done
        fetch(filename, sha)
        tracker.file_finished(before, sizes[filename])
    tracker.file = ""
    tracker.report(force=True)
    return snapshot


def _is_cached(hf: Any, repo_id: str, filename: str, sha: str, cache: str) -> bool:
    try:
        found = hf.try_to_load_from_cache(repo_id, filename, cache_dir=cache, revision=sha)
    except Exception:  # noqa: BLE001 - unknown means "download it"
        return False
    return isinstance(found, str)
