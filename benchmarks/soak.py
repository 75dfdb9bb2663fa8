"""Many jobs in one process through the engine's runner, as the window's worker sends them: does
memory stay flat?

    python benchmarks/soak.py [--jobs 500] [--warmup 50] [--steps 3] [--switch-every 5]

Every job goes through ``f1studio.engine.runner.run`` with one shared ``ModelCache`` (what
``gui.worker`` does). Jobs rotate through plain prompts, regions, edge + depth guides
(ControlNets), inpainting and all of them together, on tiny random-weight SD1.5, SDXL and FLUX.1
models (64x64 images, 8x8 latents), switching model every ``--switch-every`` jobs; every fifth
job is cancelled mid-way through its cancel event. RSS is read after the warm-up (every family
and kind of job has run by then) and at the end, each after a garbage collection.

Prints one line of context figures, then ``rss_growth X%`` (goal < 5%). The default run took
13 minutes on two cores shared with other work (30 jobs: 14 s).
"""

from __future__ import annotations

import argparse
import gc
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import rss_mb, tiny_flux, tiny_models, tiny_sdxl  # noqa: E402

SIZE = 64  # the smallest canvas a request takes: 8x8 latents
KINDS = ("plain", "regions", "guides", "inpaint", "everything")


def _mask(y0: int, x0: int, y1: int, x1: int) -> object:
    import numpy as np

    from f1studio.engine.request import Pixels

    m = np.zeros((SIZE, SIZE), np.uint8)
    m[y0:y1, x0:x1] = 255
    return Pixels.of(m)


def _request(index: int, family: str, models: dict[str, Path], steps: int) -> object:
    """Job ``index`` on ``family``: its kind rotates through :data:`KINDS`."""
    import numpy as np

    from f1studio.engine.request import (
        ControlKind,
        ControlSpec,
        GenerationRequest,
        InpaintSpec,
        Pixels,
        RegionSpec,
    )

    rng = np.random.default_rng(index)
    kind = KINDS[index % len(KINDS)]
    extra: dict[str, object] = {}
    if kind in ("regions", "everything"):
        extra["regions"] = (
            RegionSpec(_mask(0, 0, SIZE, SIZE // 2), "a red car", "blurry"),
            RegionSpec(_mask(0, SIZE // 2, SIZE, SIZE), "a green tree", weight=0.8),
        )
    if kind in ("guides", "everything"):
        edges = (rng.random((SIZE, SIZE)) > 0.9).astype(np.uint8) * 255
        depth = np.tile(np.linspace(0, 255, SIZE, dtype=np.uint8), (SIZE, 1))
        extra["controls"] = (
            ControlSpec(ControlKind.EDGE, Pixels.of(edges), str(models["controlnet-edge"])),
            ControlSpec(
                ControlKind.DEPTH, Pixels.of(depth), str(models["controlnet-depth"]), 0.7, 0, 0.6
            ),
        )
    if kind in ("inpaint", "everything"):
        photo = rng.integers(0, 256, (SIZE, SIZE, 3), dtype=np.uint8)
        extra["init_image"] = Pixels.of(photo)
        extra["inpaint"] = InpaintSpec(_mask(16, 16, 48, 48), 1.0, 4)
    scheduler = "flow-euler" if family == "flux" else "dpmpp-2m"
    return GenerationRequest(
        f"job {index}: a photo of a street",
        SIZE,
        SIZE,
        negative_prompt="" if family == "flux" else "blurry",
        model=str(models["pipeline"]),
        scheduler=scheduler,
        steps=steps,
        guidance_scale=3.5 if family == "flux" else 6.0,
        seed=index,
        device="cpu",
        **extra,  # type: ignore[arg-type]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=500)
    parser.add_argument("--warmup", type=int, default=50, help="jobs before the first RSS")
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--switch-every", type=int, default=5, help="jobs per model switch")
    parser.add_argument("--families", default="sd15,sdxl,flux")
    args = parser.parse_args()
    if args.warmup >= args.jobs:
        parser.error("--warmup must be smaller than --jobs")

    from f1studio.engine.events import Cancelled, Failed, Finished, Progress
    from f1studio.engine.models import ModelCache
    from f1studio.engine.runner import run

    builders = {"sd15": tiny_models, "sdxl": tiny_sdxl, "flux": tiny_flux}
    families = [f.strip() for f in args.families.split(",") if f.strip()]
    models = {f: builders[f]() for f in families}
    cache = ModelCache()  # one for the whole run, as the worker keeps one
    counts = {"finished": 0, "cancelled": 0, "failed": 0}
    failures: list[str] = []
    rss_start = rss_end = 0.0
    started = time.perf_counter()
    for index in range(args.jobs):
        family = families[(index // args.switch_every) % len(families)]
        request = _request(index, family, models[family], args.steps)
        cancel = threading.Event()
        cancel_this = index % 5 == 4
        outcome: list[object] = []

        def on_event(
            event: object, cancel=cancel, cancel_this=cancel_this, outcome=outcome
        ) -> None:
            if cancel_this and isinstance(event, Progress) and event.step >= 1:
                cancel.set()  # mid-way, as the window's Cancel button does
            if isinstance(event, (Finished, Cancelled, Failed)):
                outcome.append(event)

        run(request, on_event, cancel, cache)  # type: ignore[arg-type]
        last = outcome[-1] if outcome else None
        if isinstance(last, Finished):
            counts["finished"] += 1
        elif isinstance(last, Cancelled):
            counts["cancelled"] += 1
        else:
            counts["failed"] += 1
            failures.append(f"job {index} ({family}, {KINDS[index % len(KINDS)]}): {last}")
        if index + 1 == args.warmup:
            gc.collect()
            rss_start = rss_mb()
    gc.collect()
    rss_end = rss_mb()
    seconds = time.perf_counter() - started
    for line in failures[:5]:
        print(line)
    growth = 100 * (rss_end - rss_start) / rss_start
    print(
        f"jobs {args.jobs} finished {counts['finished']} cancelled {counts['cancelled']} "
        f"failed {counts['failed']} families {'+'.join(families)} seconds {seconds:.0f} "
        f"rss_start {rss_start:.0f} MB (after {args.warmup} jobs) rss_end {rss_end:.0f} MB"
    )
    print(f"rss_growth {growth:.1f}%")


if __name__ == "__main__":
    main()
