"""What the training stages learn from: autoencoder batches, the pre-encoded scene dataset,
token ids (with caption dropout), region batches and guide images, all generated from the
shapes world and a function of the settings' seed."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from f1studio.demo import architecture
from f1studio.demo.hand_guides import hand_edges, painted_depth, painted_mask
from f1studio.demo.train_loop import Log, to_tensor
from f1studio.demo.train_settings import TrainSettings
from f1studio.demo.train_text import dataset_labels
from f1studio.demo.world import (
    MAX_SHAPES,
    TRAIN_SEED,
    Scene,
    caption,
    generate,
    position_phrase,
    shape_mask,
    shape_phrase,
)

#: Region batches pad every scene to this many text chunks (every shape + the global prompt).
REGION_CHUNKS = MAX_SHAPES + 1
#: Layout-style region boxes reach this many pixels past the shape's own extent.
LAYOUT_BOX_MARGIN = 2
#: How a ControlNet's training guides are made: hand-drawn (or painted) by the simulator in
#: :mod:`f1studio.demo.hand_guides`, the world's exact outlines or depth, or Canny of the
#: picture (what the engine's preprocessor gives for an image), as shares of the batches.
GUIDE_SOURCES: dict[str, dict[str, float]] = {
    "edge": {"hand": 0.5, "exact": 0.3, "canny": 0.2},
    "depth": {"hand": 0.6, "exact": 0.4},
}
#: How the inpaint ControlNet's training masks are made, as shares of the batches: one
#: shape's visible part grown by a few pixels (masking a shape to repaint it), a rough
#: painted blob over a shape, brush strokes anywhere, or the whole canvas.
INPAINT_MASK_SOURCES: dict[str, float] = {"shape": 0.45, "blob": 0.25, "strokes": 0.25, "all": 0.05}


def vae_batch(settings: TrainSettings, step: int, full: bool) -> Any:
    """The autoencoder's batch at ``step``: whole pictures, or random 64x64 crops."""
    rng = np.random.default_rng([settings.seed, 1, step])
    images = []
    for i in range(settings.vae_batch):
        image = generate(step * settings.vae_batch + i, TRAIN_SEED + 500_000)[1].image
        if not full:
            y, x = rng.integers(0, architecture.IMAGE_SIZE - 64 + 1, size=2)
            image = image[y : y + 64, x : x + 64]
        images.append(image)
    return to_tensor(images)


def decoder_batch(settings: TrainSettings, step: int) -> Any:
    """The decoder-sharpening batch at ``step``: whole pictures of their own stream."""
    first = step * settings.decoder_batch
    return to_tensor(
        [generate(first + i, TRAIN_SEED + 700_000)[1].image for i in range(settings.decoder_batch)]
    )


def encode_dataset(
    settings: TrainSettings, vae: Any, tokenizer: Any, work: Path, log: Log
) -> dict[str, Any]:
    """Latents (already scaled) and token ids of ``settings.scenes`` training scenes."""
    import torch
    from safetensors.torch import load_file, save_file

    path = work / "dataset.safetensors"
    if path.is_file():
        return load_file(str(path))
    latents: list[Any] = []
    captions: list[str] = []
    chunk = 64
    vae.eval()
    with torch.no_grad():
        for begin in range(0, settings.scenes, chunk):
            items = [generate(i) for i in range(begin, min(settings.scenes, begin + chunk))]
            captions.extend(item[2] for item in items)
            x = to_tensor([item[1].image for item in items])
            latents.append(vae.encode(x).latent_dist.mean * vae.config.scaling_factor)
            if (begin // chunk) % 50 == 0:
                log(f"dataset: encoded {begin + len(items)}/{settings.scenes} scenes")
    ids = token_ids(tokenizer, captions)
    data = {"latents": torch.cat(latents).contiguous(), "ids": ids.contiguous()}
    data.update(dataset_labels(settings.scenes, tokenizer))
    save_file(data, str(path))
    return data


def token_ids(tokenizer: Any, texts: list[str]) -> Any:
    """Token ids (len(texts), model_max_length), padded and truncated as the pipeline does."""
    return tokenizer(
        texts,
        padding="max_length",
        max_length=tokenizer.model_max_length,
        truncation=True,
        return_tensors="pt",
    ).input_ids


def empty_ids(tokenizer: Any) -> Any:
    """The token ids of the empty caption (what a dropped caption becomes)."""
    return token_ids(tokenizer, [""])


def drop_captions(ids: Any, empty: Any, p: float, rng: np.random.Generator) -> Any:
    """Replace each row of ``ids`` by the empty caption with probability ``p``."""
    import torch

    drop = torch.from_numpy(rng.random(ids.shape[0]) < p)
    return torch.where(drop[:, None], empty.expand_as(ids), ids)


def layout_regions(scene: Scene, rng: np.random.Generator) -> tuple[str, list[Any]]:
    """What the window's Layout makes of ``scene``'s caption: the global prompt keeps the
    background clause ("on a white background"), and every shape gets a box region (its
    extent and a small margin) asking for its phrase, half the time without the position
    words (as Layout writes the shapes of "X to the left of Y")."""
    from f1studio.engine.request import Pixels, RegionSpec

    text = caption(scene)
    background = text[text.rindex(", on ") + 2 :]
    size = architecture.IMAGE_SIZE
    regions = []
    for shape in scene.shapes:
        box = np.zeros((size, size), np.uint8)
        ys, xs = np.nonzero(shape_mask(shape, size))
        if ys.size:
            m = LAYOUT_BOX_MARGIN
            box[
                max(0, ys.min() - m) : ys.max() + m + 1, max(0, xs.min() - m) : xs.max() + m + 1
            ] = 255
        phrase = shape_phrase(shape)
        if rng.random() < 0.5:
            phrase = phrase.removesuffix(" " + position_phrase(shape.position))
        regions.append(RegionSpec(mask=Pixels.of(box), prompt=phrase))
    return background, regions


def region_batch(
    indices: np.ndarray,
    tokenizer: Any,
    rng: np.random.Generator,
    device: Any = "cpu",
    layout: float = 0.0,
    latent: int = architecture.IMAGE_SIZE // 8,
) -> tuple[Any, Any]:
    """Token ids (B * REGION_CHUNKS, L) and the engine's regional attention processor for
    training scenes ``indices``: every shape's visible mask is a region whose prompt is a
    caption of that shape alone, and the global prompt is the whole caption or empty; or,
    with probability ``layout``, the regions and global prompt Layout would make of the
    caption (:func:`layout_regions`). ``latent``: the side of the UNet's latent."""
    import torch

    from f1studio.engine.regional import (
        RegionalAttnProcessor,
        RegionWeights,
        attention_sizes,
        chunk_weights,
        region_texts,
    )
    from f1studio.engine.request import Pixels, RegionSpec

    texts: list[str] = []
    per_size: dict[tuple[int, int], list[np.ndarray]] = {}
    sizes = list(dict.fromkeys(attention_sizes(latent, latent)))
    for index in indices:
        scene, rendered, full = generate(int(index))
        if layout > 0 and rng.random() < layout:
            prompt, regions = layout_regions(scene, rng)
        else:
            regions = [
                RegionSpec(
                    mask=Pixels.of(np.ascontiguousarray(mask)),
                    prompt=caption(replace(scene, shapes=(shape,))),
                )
                for shape, mask in zip(scene.shapes, rendered.masks, strict=True)
            ]
            prompt = full if rng.random() < 0.5 else ""
        positive, _ = region_texts(prompt, "", regions)
        padding = REGION_CHUNKS - len(positive)
        texts.extend(positive[:-1] + [""] * padding + positive[-1:])
        for h, w in sizes:
            weights = chunk_weights(regions, h, w)
            pad = np.zeros((padding, h, w), np.float32)
            per_size.setdefault((h, w), []).append(
                np.concatenate([weights[:-1], pad, weights[-1:]])
            )
    by_tokens = {}
    for (h, w), stacked in per_size.items():
        arr = np.stack(stacked, axis=1).reshape(REGION_CHUNKS, len(indices), 1, h * w, 1)
        by_tokens[h * w] = torch.from_numpy(arr).to(device)
    active = {n: [(c, None) for c in range(REGION_CHUNKS)] for n in by_tokens}
    ids = token_ids(tokenizer, texts)
    processor = RegionalAttnProcessor(RegionWeights(by_tokens, active), REGION_CHUNKS)
    return ids, processor


def guide_caption_ids(
    ids: Any,
    indices: np.ndarray,
    tokenizer: Any,
    rng: np.random.Generator,
    shuffle: float = 0.0,
    reword: float = 0.0,
) -> Any:
    """What a ControlNet's captions say of the guide's shapes: each row of ``ids``, with
    probability ``shuffle``, lists its scene's shapes in a shuffled order (the order no longer
    tells which shape is in front), and, with probability ``reword``, gives every shape a size
    and a position word drawn at random (the shapes stay where and as large as they are, so
    only the guide tells that). Kinds and colours are always the scene's own."""
    from f1studio.demo.world import POSITIONS, SIZES

    out = ids.clone()
    places = list(POSITIONS)
    for row, index in enumerate(indices):
        shuffled = rng.random() < shuffle
        reworded = rng.random() < reword
        if not (shuffled or reworded):
            continue
        scene = generate(int(index))[0]
        shapes = list(scene.shapes)
        if shuffled:
            shapes = [shapes[i] for i in rng.permutation(len(shapes))]
        if reworded:
            shapes = [
                replace(
                    s,
                    size=SIZES[int(rng.integers(len(SIZES)))],
                    position=places[int(rng.integers(len(places)))],
                )
                for s in shapes
            ]
        out[row] = token_ids(tokenizer, [caption(replace(scene, shapes=tuple(shapes)))])[0]
    return out


def _brush_along(mask: np.ndarray, points: np.ndarray, radius: int) -> None:
    import cv2

    for x, y in np.rint(points).astype(int):
        cv2.circle(mask, (int(x), int(y)), radius, 255, -1)


def inpaint_mask(rendered: Any, rng: np.random.Generator) -> np.ndarray:
    """A bool inpaint mask a user could paint over ``rendered``, drawn from
    :data:`INPAINT_MASK_SOURCES` with ``rng``."""
    import cv2

    size = rendered.image.shape[0]
    source = str(rng.choice(list(INPAINT_MASK_SOURCES), p=list(INPAINT_MASK_SOURCES.values())))
    if source == "all":
        return np.ones((size, size), dtype=bool)
    mask = np.zeros((size, size), np.uint8)
    if source == "strokes":
        for _ in range(int(rng.integers(1, 4))):
            start = rng.uniform(0, size, 2)
            turns = np.cumsum(rng.normal(0, 0.6, 6)) + rng.uniform(0, 2 * np.pi)
            steps = np.stack([np.cos(turns), np.sin(turns)], axis=1) * rng.uniform(4, 12)
            points = np.vstack([start, start + np.cumsum(steps, axis=0)])
            _brush_along(mask, points, int(rng.integers(4, 16)))
        return mask > 0
    visible = rendered.masks[int(rng.integers(len(rendered.masks)))]
    if source == "shape":
        grow = int(rng.integers(0, 5))
        out = cv2.dilate(visible, np.ones((2 * grow + 1,) * 2, np.uint8)) if grow else visible
        return out > 0
    return painted_mask(visible, rng)


def inpaint_image(rendered: Any, rng: np.random.Generator) -> np.ndarray:
    """The inpaint ControlNet's control image for a random mask over ``rendered``: the
    picture 0..1 with the masked pixels at -1 (float32, H x W x 3)."""
    from f1studio.engine.inpaint import inpaint_condition

    return inpaint_condition(rendered.image, inpaint_mask(rendered, rng))


def guide_image(kind: str, scene: Any, rendered: Any, rng: np.random.Generator) -> np.ndarray:
    """The RGB control image a user's guide layer could give for a rendered scene, drawn from
    :data:`GUIDE_SOURCES` with ``rng``."""
    import cv2

    sources = GUIDE_SOURCES[kind]
    source = str(rng.choice(list(sources), p=list(sources.values())))
    size = rendered.image.shape[0]
    if kind == "edge":
        if source == "hand":
            grey = hand_edges(scene, rng, size)
        elif source == "canny":
            grey = cv2.Canny(rendered.image, 100, 200)
        else:
            grey = rendered.edges
    else:
        grey = painted_depth(scene, rng, size) if source == "hand" else rendered.depth
    return np.repeat(grey[:, :, None], 3, axis=2)


def overlap_mask(scene: Scene, size: int) -> np.ndarray:
    """bool (size, size): the pixels where two differently coloured shapes of ``scene`` overlap
    (whole outlines, as placed): where the picture's colour depends on which shape is nearer."""
    masks = [shape_mask(s, size) for s in scene.shapes]
    out = np.zeros((size, size), dtype=bool)
    for i, a in enumerate(masks):
        for j in range(i + 1, len(masks)):
            if scene.shapes[i].color != scene.shapes[j].color:
                out |= a & masks[j]
    return out


def overlapping_indices(count: int) -> np.ndarray:
    """The indices below ``count`` of training scenes holding such an overlap."""
    size = architecture.IMAGE_SIZE
    return np.array(
        [i for i in range(count) if overlap_mask(generate(i)[0], size).any()], dtype=np.int64
    )


def outline_cells(indices: np.ndarray, side: int) -> Any:
    """Bool tensor ``(len(indices), 1, side, side)``: which cells of a ``side`` x ``side`` grid
    (the latent's pixels) an outline of training scene ``index`` crosses, as the picture shows
    it (a shape's visible edge or the background's split; not the picture's border)."""
    import torch

    out = np.zeros((len(indices), 1, side, side), dtype=bool)
    for row, index in enumerate(indices):
        out[row, 0] = cells_crossed(generate(int(index))[1].edges, side)
    return torch.from_numpy(out)


def cells_crossed(edges: np.ndarray, side: int) -> np.ndarray:
    """bool (side, side): the cells of a picture's ``edges`` (H, W; H and W multiples of
    ``side``) that hold at least one edge pixel."""
    rows, cols = edges.shape[0] // side, edges.shape[1] // side
    return edges.reshape(side, rows, side, cols).max(axis=(1, 3)) > 0
