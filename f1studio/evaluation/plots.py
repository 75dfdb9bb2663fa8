"""The report's charts, drawn with Pillow (matplotlib is no dependency of F1 Studio): a line
chart (distance against steps per solver), a bar chart (CLIP score per setting) and a grid of
sample pictures."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 720, 420
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 70, 20, 40, 60
INK, GRID, BACKGROUND = (30, 30, 30), (225, 225, 225), (255, 255, 255)
COLOURS = ((31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189))


def _font() -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    return ImageFont.load_default()


def _nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering low..high."""
    if not high > low:
        high = low + 1.0
    raw = (high - low) / count
    step = 10 ** math.floor(math.log10(raw))
    step *= next(m for m in (1, 2, 2.5, 5, 10) if m * step >= raw)
    first = math.floor(low / step) * step
    return [first + k * step for k in range(int(math.ceil((high - first) / step)) + 1)]


def _frame(title: str, x_label: str, y_label: str) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    draw.text((MARGIN_LEFT, 4), title, fill=INK, font=_font())
    draw.text((WIDTH // 2 - 4 * len(x_label) // 2, HEIGHT - 22), x_label, fill=INK, font=_font())
    draw.text((8, MARGIN_TOP - 16), y_label, fill=INK, font=_font())
    return image, draw


def _y_axis(draw: ImageDraw.ImageDraw, ticks: list[float], to_y: Callable[[float], float]) -> None:
    for tick in ticks:
        y = to_y(tick)
        draw.line((MARGIN_LEFT, y, WIDTH - MARGIN_RIGHT, y), fill=GRID)
        draw.text((6, y - 6), f"{tick:.4g}", fill=INK, font=_font())
    draw.line((MARGIN_LEFT, MARGIN_TOP, MARGIN_LEFT, HEIGHT - MARGIN_BOTTOM), fill=INK)
    draw.line(
        (MARGIN_LEFT, HEIGHT - MARGIN_BOTTOM, WIDTH - MARGIN_RIGHT, HEIGHT - MARGIN_BOTTOM),
        fill=INK,
    )


def line_chart(
    title: str,
    series: Mapping[str, Mapping[int, float]],
    x_label: str,
    y_label: str,
    target: float | None = None,
) -> Image.Image:
    """One line per series (x -> y), a dashed horizontal line at ``target``, a legend."""
    points = [(x, y) for s in series.values() for x, y in s.items() if math.isfinite(y)]
    xs = [x for x, _ in points] or [0, 1]
    ys = [y for _, y in points] + ([target] if target is not None else [])
    ticks = _nice_ticks(0.0, max(ys or [1.0]))
    x_low, x_high = min(xs), max(xs) if max(xs) > min(xs) else min(xs) + 1
    plot_w = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    plot_h = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM

    def to_x(x: float) -> float:
        return MARGIN_LEFT + (x - x_low) / (x_high - x_low) * plot_w

    def to_y(y: float) -> float:
        return HEIGHT - MARGIN_BOTTOM - (y - ticks[0]) / (ticks[-1] - ticks[0]) * plot_h

    image, draw = _frame(title, x_label, y_label)
    _y_axis(draw, ticks, to_y)
    for x in sorted(set(xs)):
        draw.line((to_x(x), HEIGHT - MARGIN_BOTTOM, to_x(x), HEIGHT - MARGIN_BOTTOM + 4), fill=INK)
        draw.text((to_x(x) - 6, HEIGHT - MARGIN_BOTTOM + 6), str(x), fill=INK, font=_font())
    if target is not None:
        y = to_y(target)
        for x0 in range(MARGIN_LEFT, WIDTH - MARGIN_RIGHT, 12):
            draw.line((x0, y, min(x0 + 6, WIDTH - MARGIN_RIGHT), y), fill=(120, 120, 120))
        draw.text((WIDTH - MARGIN_RIGHT - 90, y - 14), f"target {target:g}", fill=INK)
    for k, (name, values) in enumerate(series.items()):
        colour = COLOURS[k % len(COLOURS)]
        line = [(to_x(x), to_y(y)) for x, y in sorted(values.items()) if math.isfinite(y)]
        if len(line) > 1:
            draw.line(line, fill=colour, width=2)
        for px, py in line:
            draw.ellipse((px - 3, py - 3, px + 3, py + 3), fill=colour)
        legend_y = MARGIN_TOP + 4 + 16 * k
        draw.rectangle(
            (WIDTH - MARGIN_RIGHT - 150, legend_y, WIDTH - MARGIN_RIGHT - 138, legend_y + 10),
            fill=colour,
        )
        draw.text((WIDTH - MARGIN_RIGHT - 132, legend_y - 1), name, fill=INK, font=_font())
    return image


def bar_chart(
    title: str,
    labels: Sequence[str],
    values: Sequence[float],
    y_label: str,
    errors: Sequence[float] | None = None,
) -> Image.Image:
    """One bar per label (its value printed on it), with an error whisker when given."""
    finite = [v for v in values if math.isfinite(v)]
    tops = [v + (errors[i] if errors else 0.0) for i, v in enumerate(values) if math.isfinite(v)]
    ticks = _nice_ticks(0.0, max(tops or finite or [1.0]))
    plot_w = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    plot_h = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM

    def to_y(y: float) -> float:
        return HEIGHT - MARGIN_BOTTOM - (y - ticks[0]) / (ticks[-1] - ticks[0]) * plot_h

    image, draw = _frame(title, "", y_label)
    _y_axis(draw, ticks, to_y)
    slot = plot_w / max(len(labels), 1)
    for k, (label, value) in enumerate(zip(labels, values, strict=True)):
        left = MARGIN_LEFT + k * slot + slot * 0.15
        right = MARGIN_LEFT + (k + 1) * slot - slot * 0.15
        if math.isfinite(value):
            draw.rectangle((left, to_y(value), right, to_y(0.0)), fill=COLOURS[0])
            draw.text((left, to_y(value) - 14), f"{value:.2f}", fill=INK, font=_font())
            if errors:
                mid = (left + right) / 2
                low, high = max(value - errors[k], 0.0), min(value + errors[k], ticks[-1])
                draw.line((mid, to_y(low), mid, to_y(high)), fill=INK)
        text = label if len(label) * 6 <= slot else label[: max(int(slot // 6) - 1, 1)] + "…"
        draw.text((left, HEIGHT - MARGIN_BOTTOM + 6 + 12 * (k % 2)), text, fill=INK, font=_font())
    return image


def sample_grid(rows: Mapping[str, Sequence[np.ndarray]], cell: int = 128) -> Image.Image | None:
    """Pictures in rows (one per setting, its label above), each scaled to ``cell`` pixels."""
    if not any(rows.values()):
        return None
    columns = max(len(p) for p in rows.values())
    gap, label_h = 4, 16
    grid = Image.new(
        "RGB",
        (columns * (cell + gap) + gap, len(rows) * (cell + label_h + gap) + gap),
        BACKGROUND,
    )
    draw = ImageDraw.Draw(grid)
    for r, (label, pictures) in enumerate(rows.items()):
        top = gap + r * (cell + label_h + gap)
        draw.text((gap, top), label, fill=INK, font=_font())
        for c, picture in enumerate(pictures):
            tile = Image.fromarray(np.ascontiguousarray(picture[..., :3])).resize((cell, cell))
            grid.paste(tile, (gap + c * (cell + gap), top + label_h))
    return grid
