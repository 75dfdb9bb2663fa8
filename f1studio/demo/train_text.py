"""The text encoder's own first stage: learn to read the world's captions before the UNet
listens to them.

A text encoder trained from scratch together with the UNet sits for hundreds of steps on a
plateau where the UNet draws the average picture and the few words that tell captions apart
(a colour, a kind, a place among many shared words) never reach the UNet. So the encoder is
first trained alone on what a caption says, read back from its token states by linear heads:

* every shape phrase's tokens vote (their logits averaged) for that shape's colour, kind,
  size word and grid cell (the encoder is causal, so the last words of a phrase are the ones
  that can know all of it: "red" cannot see "circle", but "left" can see both);
* the background phrase's tokens vote for its colour(s) and split;
* the end token and the padding after it (which see the whole caption, and which the UNet
  also attends to) vote, cell by cell of the 3x3 grid, for the colour and kind of the
  front-most shape centred there, or none.

The labels come from the scenes themselves (:func:`caption_labels`); the heads are thrown
away after this stage.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from f1studio.demo.train_loop import Log, lr_factor, run_steps, set_lr
from f1studio.demo.train_settings import TrainSettings
from f1studio.demo.world import (
    COLORS,
    MAX_SHAPES,
    POSITIONS,
    SHAPES,
    SIZES,
    SPLITS,
    Scene,
    caption,
    generate,
    shape_phrase,
)

_COLOURS = list(COLORS)
_CELLS = list(POSITIONS)
#: Per shape slot: colour, kind, size word, cell (class counts of each head's parts).
SHAPE_PARTS = (len(_COLOURS), len(SHAPES), len(SIZES), len(_CELLS))
_PART_NAMES = {
    "shape": ("colour", "kind", "size", "cell"),
    "background": ("colour", "second", "split"),
    "cell": ("colour", "kind"),
}
#: Background: first colour, second colour or none, split (none, top/bottom, left/right).
BACKGROUND_PARTS = (len(_COLOURS), len(_COLOURS) + 1, len(SPLITS) + 1)
#: Per grid cell: the colour (or none) and the kind (or none) of the front shape centred there.
CELL_PARTS = (len(_COLOURS) + 1, len(SHAPES) + 1)
#: Token groups: one per shape slot, the background phrase, then the end and padding tokens.
BACKGROUND_GROUP = MAX_SHAPES
SUMMARY_GROUP = MAX_SHAPES + 1
NO_GROUP = -1


def _token_count(tokenizer: Any, text: str) -> int:
    return len(tokenizer(text, add_special_tokens=False).input_ids)


def caption_labels(scene: Scene, tokenizer: Any) -> tuple[np.ndarray, np.ndarray]:
    """``(groups, targets)`` of one scene's caption: each token's group (shape slot,
    background, summary or :data:`NO_GROUP`), and the targets, one row per shape slot
    (:data:`SHAPE_PARTS`, -1 for an absent slot), one for the background
    (:data:`BACKGROUND_PARTS`) and one per grid cell (:data:`CELL_PARTS`)."""
    length = tokenizer.model_max_length
    groups = np.full(length, NO_GROUP, np.int64)
    text = caption(scene)
    # phrase boundaries in tokens: the caption's prefixes up to each phrase's end
    position = 1  # after the start token
    search_from = 0
    for slot, shape in enumerate(scene.shapes):
        phrase = shape_phrase(shape)
        start = text.index(phrase, search_from)
        end = start + len(phrase)
        first = 1 + _token_count(tokenizer, text[:start]) if start else 1
        last = 1 + _token_count(tokenizer, text[:end])
        groups[first:last] = slot
        position, search_from = last, end
    total = 1 + _token_count(tokenizer, text)
    groups[position:total] = BACKGROUND_GROUP
    groups[total:length] = SUMMARY_GROUP  # the end token and the padding
    targets = np.full((MAX_SHAPES + 1 + len(_CELLS), 4), -1, np.int64)
    for slot, shape in enumerate(scene.shapes):
        targets[slot] = (
            _COLOURS.index(shape.color),
            SHAPES.index(shape.kind),
            SIZES.index(shape.size),
            _CELLS.index(shape.position),
        )
    second = _COLOURS.index(scene.background[1]) if len(scene.background) == 2 else len(_COLOURS)
    split = 0 if scene.split is None else 1 + SPLITS.index(scene.split)
    targets[BACKGROUND_GROUP, :3] = (_COLOURS.index(scene.background[0]), second, split)
    for cell in range(len(_CELLS)):
        targets[MAX_SHAPES + 1 + cell, :2] = (len(_COLOURS), len(SHAPES))
    for shape in scene.shapes:  # back to front: the front shape of a cell wins
        cell = _CELLS.index(shape.position)
        targets[MAX_SHAPES + 1 + cell, :2] = (_COLOURS.index(shape.color), SHAPES.index(shape.kind))
    return groups, targets


def dataset_labels(scenes: int, tokenizer: Any) -> dict[str, Any]:
    """The labels of the first ``scenes`` training scenes, as tensors ``text_groups`` and
    ``text_targets`` (saved with the encoded dataset)."""
    import torch

    pairs = [caption_labels(generate(i)[0], tokenizer) for i in range(scenes)]
    return {
        "text_groups": torch.from_numpy(np.stack([g for g, _ in pairs])),
        "text_targets": torch.from_numpy(np.stack([t for _, t in pairs])),
    }


class ReadingHeads:
    """The linear heads that read a caption back from the token states."""

    def __init__(self, width: int) -> None:
        import torch

        self.shape = torch.nn.Linear(width, sum(SHAPE_PARTS))
        self.background = torch.nn.Linear(width, sum(BACKGROUND_PARTS))
        self.cells = torch.nn.Linear(width, len(_CELLS) * sum(CELL_PARTS))
        self.modules = torch.nn.ModuleDict(
            {"shape": self.shape, "background": self.background, "cells": self.cells}
        )

    def losses(self, states: Any, groups: Any, targets: Any) -> tuple[Any, dict[str, float]]:
        """The mean cross-entropy of every vote, and the accuracy of each kind of vote."""
        import torch
        import torch.nn.functional as F

        terms: list[Any] = []
        right: dict[str, list[float]] = {}

        def vote(head: Any, mask: Any, parts: tuple[int, ...], wanted: Any, name: str) -> None:
            # the group's tokens' logits averaged (batch rows without the group are skipped)
            present = mask.any(dim=1)
            if not bool(present.any()):
                return
            weights = mask[present].float()
            weights = weights / weights.sum(dim=1, keepdim=True)
            logits = torch.einsum("bl,blc->bc", weights, head(states[present]))
            offset = 0
            for k, n in enumerate(parts):
                target = wanted[present][:, k]
                part = logits[:, offset : offset + n]
                terms.append(F.cross_entropy(part, target))
                right.setdefault(f"{name} {_PART_NAMES[name][k]}", []).append(
                    float((part.argmax(dim=1) == target).float().mean())
                )
                offset += n

        for slot in range(MAX_SHAPES):
            vote(self.shape, groups == slot, SHAPE_PARTS, targets[:, slot], "shape")
        vote(
            self.background,
            groups == BACKGROUND_GROUP,
            BACKGROUND_PARTS,
            targets[:, BACKGROUND_GROUP],
            "background",
        )
        summary = groups == SUMMARY_GROUP
        weights = summary.float() / summary.float().sum(dim=1, keepdim=True)
        cell_logits = torch.einsum("bl,blc->bc", weights, self.cells(states))
        cell_logits = cell_logits.reshape(len(states), len(_CELLS), sum(CELL_PARTS))
        cell_targets = targets[:, MAX_SHAPES + 1 :]
        offset = 0
        for k, n in enumerate(CELL_PARTS):
            part = cell_logits[..., offset : offset + n].reshape(-1, n)
            target = cell_targets[..., k].reshape(-1)
            terms.append(F.cross_entropy(part, target))
            right.setdefault(f"cell {_PART_NAMES['cell'][k]}", []).append(
                float((part.argmax(dim=1) == target).float().mean())
            )
            offset += n
        return torch.stack(terms).mean(), {k: float(np.mean(v)) for k, v in right.items()}


def train_text_encoder(
    settings: TrainSettings, work: Path, log: Log, data: dict[str, Any], tokenizer: Any
) -> Any:
    """The text encoder after :data:`TrainSettings.text_steps` steps of reading captions
    (a fresh one when the setting is 0); resumable like every stage."""
    import torch
    from transformers import CLIPTextModel

    from f1studio.demo import architecture

    final = work / "text-encoder"
    if (final / "config.json").is_file():
        return CLIPTextModel.from_pretrained(str(final))
    torch.manual_seed(settings.seed + 5)
    text_encoder = architecture.build_text_encoder(tokenizer)
    if settings.text_steps == 0:
        return text_encoder
    heads = ReadingHeads(architecture.TEXT_WIDTH)
    params = list(text_encoder.parameters()) + list(heads.modules.parameters())
    optimizer = torch.optim.AdamW(params, lr=settings.text_lr, weight_decay=1e-2)
    n = data["ids"].shape[0]
    accuracy: dict[str, float] = {}

    def step_fn(step: int) -> float:
        set_lr(optimizer, settings.text_lr, lr_factor(step, settings.text_steps, settings.warmup))
        rng = np.random.default_rng([settings.seed, 5, step])
        idx = torch.from_numpy(rng.integers(0, n, size=settings.text_batch))
        states = text_encoder(data["ids"][idx])[0]
        loss, right = heads.losses(states, data["text_groups"][idx], data["text_targets"][idx])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        accuracy.update(right)
        return loss.item()

    run_steps(
        "text",
        work / "text-stage",
        {"text_encoder": text_encoder, "heads": heads.modules},
        optimizer,
        settings.text_steps,
        settings,
        log,
        step_fn,
    )
    if accuracy:
        log(
            "text: last batch's accuracy: " + ", ".join(f"{k} {v:.2f}" for k, v in accuracy.items())
        )
    text_encoder.save_pretrained(str(final), safe_serialization=True)
    log("text: done")
    return text_encoder
