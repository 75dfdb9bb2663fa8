"""Swap attention processors for the length of a job, and always put the old ones back.

Every family installs its job-specific processors (regional prompting today) through
:func:`swapped_attention`. A model passed more than once -- one ControlNet driving two guides,
a union ControlNet shared by an edge and a depth guide -- is swapped once, so what is restored
is always the model's own processors, never the job's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

# (processor name, the processor installed now) -> the processor to use during the job
ChooseProcessor = Callable[[str, Any], Any]


def unique_models(models: Iterable[Any]) -> list[Any]:
    """``models`` without ``None`` and without repeats (by identity), in their first order."""
    unique: dict[int, Any] = {}
    for model in models:
        if model is not None:
            unique.setdefault(id(model), model)
    return list(unique.values())


@contextmanager
def swapped_attention(models: Iterable[Any], choose: ChooseProcessor) -> Iterator[None]:
    """Install ``choose(name, current)`` on every attention layer of each model inside the
    ``with`` block; restore each model's processors on the way out, error or not."""
    saved: list[tuple[Any, dict[str, Any]]] = []
    try:
        for model in unique_models(models):
            current = dict(model.attn_processors)
            saved.append((model, current))
            model.set_attn_processor({name: choose(name, proc) for name, proc in current.items()})
        yield
    finally:
        for model, processors in reversed(saved):
            model.set_attn_processor(processors)
