"""Saves killed at random moments: does the project always open, in its old or its new version?

    python benchmarks/save_torture.py                          # 200 saves, 32 layers of 1024x1024
    python benchmarks/save_torture.py --saves 50 --size 256    # a quick run (well under a minute)

The default run took 10 minutes on two busy cores (one save of the 8 MB file: 3.5 s).

Two documents of ``--layers`` paint layers at ``--size`` x ``--size`` that differ in every
layer (their bottom layer is the fingerprint) are saved in turn over one file with
``f1studio.project.f1s.save_project``. Each save runs in a forked child that is killed with
SIGKILL at a random moment between its start and a little after the time one whole save takes
(measured first), so nearly every kill lands mid-save. After each kill the file is opened with
``load_project`` and classified: ``opened`` (the old or the new version, the fingerprint layer
equal pixel for pixel), ``lost`` (it cannot be opened) or ``mixed`` (it opens, but is neither).
Temporary files ``.NAME.*.tmp`` left beside it are counted after that open (an open of the
project is where stale ones are removed).

Prints one line of context figures, then ``opened N/N lost L mixed M leftover K``.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _document(version: int, layers: int, size: int):  # -> Document
    """Paint layers with brush-like content (gradient blobs and a little noise) that differ in
    every layer between versions; the prompt names the version."""
    import numpy as np

    from f1studio.document.document import Document

    rng = np.random.default_rng(version)
    doc = Document(size, size, prompt=f"version {version}")
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) / size
    for index in range(layers):
        cy, cx, r = rng.random(3) * [1, 1, 0.4] + [0, 0, 0.1]
        blob = np.clip(1 - np.hypot(yy - cy, xx - cx) / r, 0, 1)
        rgba = np.empty((size, size, 4), np.uint8)
        for channel, colour in enumerate(rng.integers(0, 256, 3)):
            rgba[..., channel] = (blob * colour).astype(np.uint8)
        noise = rng.integers(0, 8, (size, size), dtype=np.uint8)
        rgba[..., 3] = np.minimum(255, (blob * 255).astype(np.uint8) + noise * (blob > 0))
        doc.add_layer("paint", f"layer {index}", rgba)
    return doc


def _classify(path: Path, versions: dict[int, object]) -> tuple[str, int | None]:
    """("opened", version) | ("lost", None) | ("mixed", None) for the file at ``path``."""
    import numpy as np

    from f1studio.project.errors import ProjectError
    from f1studio.project.f1s import load_project

    try:
        doc = load_project(path)
    except ProjectError:
        return "lost", None
    for version, original in versions.items():
        same = doc.prompt == original.prompt and len(doc.layers) == len(original.layers)  # type: ignore[attr-defined]
        if same and all(
            np.array_equal(doc.layers[i].data, original.layers[i].data)  # type: ignore[attr-defined]
            for i in (0, len(doc.layers) - 1)
        ):
            return "opened", version
    return "mixed", None


def _save_in_child(doc: object, path: Path, kill_after: float) -> bool:
    """Fork a child that saves ``doc`` to ``path``; SIGKILL it after ``kill_after`` seconds.
    True when it was killed (False: it finished first)."""
    from f1studio.project.f1s import save_project

    pid = os.fork()
    if pid == 0:  # the child: save, then leave without any clean-up of the parent's
        try:
            save_project(doc, path)  # type: ignore[arg-type]
        finally:
            os._exit(0)
    time.sleep(kill_after)
    finished, _ = os.waitpid(pid, os.WNOHANG)
    if finished:
        return False
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--saves", type=int, default=200)
    parser.add_argument("--layers", type=int, default=32)
    parser.add_argument("--size", type=int, default=1024, help="canvas side in pixels")
    parser.add_argument("--seed", type=int, default=0, help="for the kill moments")
    parser.add_argument("--dir", type=Path, default=None, help="where to save (default: a temp)")
    parser.add_argument("--keep", action="store_true", help="keep the folder afterwards")
    args = parser.parse_args()

    from f1studio.project.f1s import load_project, save_project

    folder = args.dir or Path(tempfile.mkdtemp(prefix="f1studio-torture-"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "torture.f1s"
    versions = {v: _document(v, args.layers, args.size) for v in (1, 2)}
    started = time.perf_counter()
    save_project(versions[1], path)  # the file exists before the first killed save
    one_save = time.perf_counter() - started
    load_project(path)
    on_disk = 1
    rng = random.Random(args.seed)
    counts = {"opened": 0, "lost": 0, "mixed": 0}
    killed = new = 0
    started = time.perf_counter()
    for _ in range(args.saves):
        target = 3 - on_disk  # the version not on disk: "old" and "new" always differ
        killed += _save_in_child(versions[target], path, rng.uniform(0, 1.1 * one_save))
        outcome, version = _classify(path, versions)
        counts[outcome] += 1
        if version is not None:
            new += version == target
            on_disk = version
    leftovers = list(folder.glob(f".{path.name}.*.tmp"))
    leftover_mb = sum(p.stat().st_size for p in leftovers) / 2**20
    seconds = time.perf_counter() - started
    print(
        f"saves {args.saves} killed mid-save {killed} (new version {new}, old "
        f"{counts['opened'] - new}) layers {args.layers} size {args.size} file "
        f"{path.stat().st_size / 2**20:.1f} MB one save {one_save:.2f}s seconds {seconds:.0f} "
        f"leftover {leftover_mb:.0f} MB"
    )
    print(
        f"opened {counts['opened']}/{args.saves} lost {counts['lost']} "
        f"mixed {counts['mixed']} leftover {len(leftovers)}"
    )
    if not args.keep and args.dir is None:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
