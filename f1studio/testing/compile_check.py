"""Compile readiness: ``torch._dynamo.explain`` on the first call of a model inside a real
render, so the attention processors and inputs a job installs are the ones explained.

Used by ``benchmarks/graph_breaks.py`` and the speed-switch tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Explained:
    """What dynamo made of one model's first call: its graphs and why they broke."""

    graphs: int = 0
    breaks: int = 0
    reasons: list[str] = field(default_factory=list)


def _reason(reason: Any) -> str:
    where = ""
    stack = getattr(reason, "user_stack", None) or []
    if stack:
        frame = stack[-1]
        where = f" at {frame.filename.rsplit('/', 1)[-1]}:{frame.lineno}"
    text = " ".join(str(getattr(reason, "reason", reason)).split())
    return f"{text[:300]}{where}"


@contextmanager
def explained_first_calls(models: dict[str, Any]) -> Iterator[dict[str, Explained]]:
    """Inside the ``with`` block, the first call of each named model runs through
    ``torch._dynamo.explain`` (then once more, normally, for its output); the dict the block
    gets holds each explained model's :class:`Explained` once it has been called."""
    import torch

    results: dict[str, Explained] = {}
    originals: list[tuple[Any, Any]] = []

    def wrap(name: str, model: Any) -> Any:
        forward = model.forward

        def explaining(*args: Any, **kwargs: Any) -> Any:
            if name not in results:
                torch._dynamo.reset()
                out = torch._dynamo.explain(forward)(*args, **kwargs)
                results[name] = Explained(
                    out.graph_count, out.graph_break_count, [_reason(r) for r in out.break_reasons]
                )
            return forward(*args, **kwargs)

        return explaining

    try:
        for name, model in models.items():
            originals.append((model, model.__dict__.get("forward")))
            model.forward = wrap(name, model)
        yield results
    finally:
        for model, forward in originals:
            if forward is None:
                del model.forward
            else:
                model.forward = forward
