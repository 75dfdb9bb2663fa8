"""Hand-written expected layouts for the rule-based planner (read from the rules as a person
would read each prompt, not copied from the planner's output).

A case lists the expected objects in order as ``(phrase, cell)`` (``cell`` is the grid cell of
the box centre, or ``None`` where only relations are checked), the expected remainder, and
relation checks ``(kind, i, j)`` between object indices: ``left`` (i's centre left of j's),
``above`` (i's centre above j's), ``front`` (i in front of j: higher depth, overlapping, lower)
and ``depth`` (i stacked in front of j). ``width`` checks object 0's box width (± 0.03).
"""

from __future__ import annotations

from dataclasses import dataclass

Obj = tuple[str, "str | None"]


@dataclass(frozen=True)
class Case:
    prompt: str
    objects: tuple[tuple[str, str | None], ...] = ()
    remainder: str | None = None  # None: the prompt itself, stripped
    rels: tuple[tuple[str, int, int], ...] = ()
    width: float | None = None
    group: str = ""

    @property
    def expected_remainder(self) -> str:
        return self.prompt.strip() if self.remainder is None else self.remainder


def _c(group: str):  # noqa: ANN202 - a tiny case factory per group
    def make(
        prompt: str,
        objects: list[tuple[str, str | None]] | None = None,
        remainder: str | None = "",
        rels: list[tuple[str, int, int]] | None = None,
        width: float | None = None,
    ) -> Case:
        objs = tuple(objects or ())
        return Case(prompt, objs, None if not objs else remainder, tuple(rels or ()), width, group)

    return make


N = _c("none")
NO_SPATIAL = [
    N("a red car"),
    N("a portrait of a woman, oil painting"),
    N("a cat and a dog"),
    N("a bowl of fruit on a wooden table"),
    N("a man wearing a top hat"),
    N("the last one left"),
    N("a right angle drawn in chalk"),
    N("a bright light in a dark room"),
    N("a singer center stage, concert photography"),
    N("a house on the left bank of the river"),
    N("a car on the right side of the road"),
    N("a cherry on top, dessert photography"),
    N("a house in the middle of nowhere"),
    N("upper class gentleman, victorian portrait"),
    N("a cat under the stars"),
    N("a lighthouse under a stormy sky"),
    N("birds flying over the ocean"),
    N("a boat on the sea at sunset"),
    N("a bottom-up view of a skyscraper"),
    N("a woman turning left at the crossroads"),
    N("a left-handed guitarist on stage"),
    N("a red car on a yellow background"),
    N("a blue square against a white background"),
    N("a white cat with a black background"),
    N("a knight in shining armor, fantasy art"),
    N("one red apple"),
    N("a cat sitting on a sofa"),
    N("a dog playing in the park, 35mm photo"),
    N("a bowl of ramen, top view"),
    N("a view from the top of a mountain"),
    N("a man in the middle of a crowd"),
    N("sunlight through the leaves, 8k"),
    N("a lower east side street"),
    N("a bright red rose"),
    N("a top-down photo of a desk"),
    N("a woman with long hair, studio lighting"),
    N("a dog and a cat playing together"),
    N("the city at night, neon lights"),
    N("a cozy cabin in the woods"),
    N("an astronaut riding a horse"),
    N("a still life of flowers in a vase"),
    N("a man standing in the rain"),
    N("a pirate with a right eye patch"),
    N("the right way to paint a fence"),
    N("a castle at the top of the world"),
    N("a moonlit night over the lake"),
    N("a sheep in a field"),
    N("a two-tone car in a showroom"),
    N("   a watercolor of a fox   "),
    N("a photo of a cat, left side lighting"),
    N("a tall building with bright windows, upright composition"),
    N("a medium rare steak on a plate"),
    N("light on the left side of the face, portrait"),
    N("a dog at the top of the stairs"),
]

P = _c("position")
POSITIONS = [
    P("a red car on the left", [("a red car on the left", "left")]),
    P("a cat at the top", [("a cat at the top", "top")]),
    P("a boat at the bottom, calm water", [("a boat at the bottom", "bottom")], "calm water"),
    P("a sun in the top left corner", [("a sun in the top left corner", "top left")]),
    P(
        "the moon in the upper right corner, night sky",
        [("the moon in the upper right corner", "top right")],
        "night sky",
    ),
    P("a tree in the middle", [("a tree in the middle", "centre")]),
    P(
        "a statue in the center of the image",
        [("a statue in the center of the image", "centre")],
    ),
    P(
        "a fox in the lower left, snowy forest",
        [("a fox in the lower left", "bottom left")],
        "snowy forest",
    ),
    P("a bird at the bottom-right", [("a bird at the bottom-right", "bottom right")]),
    P("a dog to the right", [("a dog to the right", "right")]),
    P(
        "a girl on the left side, a boy on the right side",
        [("a girl on the left side", "left"), ("a boy on the right side", "right")],
    ),
    P(
        "a candle slightly left of centre, dark room",
        [("a candle slightly left of centre", "left")],
        "dark room",
    ),
    P(
        "a house in the bottom right corner of the picture",
        [("a house in the bottom right corner of the picture", "bottom right")],
    ),
    P("a woman at the far left", [("a woman at the far left", "left")]),
    P("a cactus on the right-hand side", [("a cactus on the right-hand side", "right")]),
    P("a kite at the upper left", [("a kite at the upper left", "top left")]),
    P("a mouse in the bottom left corner", [("a mouse in the bottom left corner", "bottom left")]),
    P("an owl at the top right", [("an owl at the top right", "top right")]),
    P("a well in the centre, desert", [("a well in the centre", "centre")], "desert"),
    P("a car in the lower right", [("a car in the lower right", "bottom right")]),
    P("a clock at the top center", [("a clock at the top center", "top")]),
    P(
        "On the left, a red car; on the right, a blue house.",
        [("a red car on the left", "left"), ("a blue house on the right", "right")],
    ),
    P(
        "a red car on the left with a blue house on the right",
        [("a red car on the left", "left"), ("a blue house on the right", "right")],
    ),
    P(
        "a lighthouse on the right, stormy sea, dramatic sky",
        [("a lighthouse on the right", "right")],
        "stormy sea, dramatic sky",
    ),
    P(
        "stormy sea, a lighthouse on the right, dramatic sky",
        [("a lighthouse on the right", "right")],
        "stormy sea, dramatic sky",
    ),
    P(
        "a cat on the left and a dog on the right",
        [("a cat on the left", "left"), ("a dog on the right", "right")],
    ),
    P(
        "a tree at the top left, a bench at the bottom right",
        [("a tree at the top left", "top left"), ("a bench at the bottom right", "bottom right")],
    ),
    P(
        "a cat on the left and a dog",
        [("a cat on the left", "left"), ("a dog", "centre")],
    ),
    P(
        "a man and a woman on the right",
        [("a man on the right", "right"), ("a woman on the right", "right")],
    ),
    P(
        "a cat on the left and a dog on the left",
        [("a cat on the left", "left"), ("a dog on the left", "left")],
    ),
    P("a top hat on the left", [("a top hat on the left", "left")]),
    P("a cat in the window on the left", [("a cat in the window on the left", "left")]),
    P("a cup on a saucer on the left", [("a cup on a saucer on the left", "left")]),
    P("Two cats on the left", [("a cat on the left", "left")] * 2),
    P("a big, fluffy dog on the left", [("a big, fluffy dog on the left", "left")]),
    P(
        "a house, and to the right a garden",
        [("a house", "centre"), ("a garden to the right", "right")],
    ),
    P(
        "a black and white photo of a cat on the left",
        [("a cat on the left", "left")],
        "a black and white photo",
    ),
    P(
        "a man on the left, a woman on the right, both smiling",
        [("a man on the left", "left"), ("a woman on the right", "right")],
        "both smiling",
    ),
    P(
        "a person on the left holding a sign that says hello",
        [("a person on the left holding a sign that says hello", "left")],
    ),
    P("a dog on the left of the frame", [("a dog on the left of the frame", "left")]),
    P(
        "a boat in the middle of the picture, misty lake",
        [("a boat in the middle of the picture", "centre")],
        "misty lake",
    ),
    P("a bird in the top-left", [("a bird in the top-left", "top left")]),
    P("a robot on the left hand side", [("a robot on the left hand side", "left")]),
    P(
        "a star at the very top, a tree at the very bottom",
        [("a star at the very top", "top"), ("a tree at the very bottom", "bottom")],
    ),
    P(
        "a woman on the right in a park at sunset",
        [("a woman on the right", "right")],
        "in a park at sunset",
    ),
    P(
        "a dog on the left looking up, cartoon",
        [("a dog on the left looking up", "left")],
        "cartoon",
    ),
    P(
        "a woman on the left with red hair",
        [("a woman on the left with red hair", "left")],
    ),
    P("top left: a moon", [("a moon top left", "top left")]),
    P(
        "a red car on the left and blue house on the right",
        [("a red car on the left", "left"), ("blue house on the right", "right")],
    ),
    P("an apple towards the right", [("an apple towards the right", "right")]),
    P(
        "a lamp in the upper left corner of the frame",
        [("a lamp in the upper left corner of the frame", "top left")],
    ),
]

D = _c("demo")
DEMO = [
    D(
        "a small red circle on the left and a large blue square at the top right, on a yellow background",
        [
            ("a small red circle on the left", "left"),
            ("a large blue square at the top right", "top right"),
        ],
        "on a yellow background",
    ),
    D(
        "a medium green triangle at the bottom left, on a white and black background split left and right",
        [("a medium green triangle at the bottom left", "bottom left")],
        "on a white and black background split left and right",
    ),
    D(
        "a medium purple triangle in the centre, on a green and white background split top and bottom",
        [("a medium purple triangle in the centre", "centre")],
        "on a green and white background split top and bottom",
    ),
    D(
        "a small orange square at the top, on a blue background",
        [("a small orange square at the top", "top")],
        "on a blue background",
    ),
    D(
        "a large black circle at the bottom, on a white background",
        [("a large black circle at the bottom", "bottom")],
        "on a white background",
    ),
    D(
        "a small white triangle on the right, on a purple background",
        [("a small white triangle on the right", "right")],
        "on a purple background",
    ),
    D(
        "a medium yellow circle at the bottom right, on a black and white background split top and bottom",
        [("a medium yellow circle at the bottom right", "bottom right")],
        "on a black and white background split top and bottom",
    ),
    D(
        "a large red square in the centre and a small blue circle at the top left, on a green background",
        [
            ("a large red square in the centre", "centre"),
            ("a small blue circle at the top left", "top left"),
        ],
        "on a green background",
    ),
    D(
        "a small red circle on the left, a medium green square at the top and a large blue triangle at the bottom right, on a black background",
        [
            ("a small red circle on the left", "left"),
            ("a medium green square at the top", "top"),
            ("a large blue triangle at the bottom right", "bottom right"),
        ],
        "on a black background",
    ),
    D(
        "a small purple square at the top left, a small orange circle at the top right, a medium white triangle at the bottom left and a large black square at the bottom right, on a yellow background",
        [
            ("a small purple square at the top left", "top left"),
            ("a small orange circle at the top right", "top right"),
            ("a medium white triangle at the bottom left", "bottom left"),
            ("a large black square at the bottom right", "bottom right"),
        ],
        "on a yellow background",
    ),
    D(
        "a medium blue circle on the left and a medium red circle on the right, on an orange background",
        [
            ("a medium blue circle on the left", "left"),
            ("a medium red circle on the right", "right"),
        ],
        "on an orange background",
    ),
    D(
        "a large green triangle at the top, on a red and yellow background split left and right",
        [("a large green triangle at the top", "top")],
        "on a red and yellow background split left and right",
    ),
    D(
        "a small black square in the centre, on a white background",
        [("a small black square in the centre", "centre")],
        "on a white background",
    ),
    D(
        "a medium orange triangle at the top right and a small white circle at the bottom left, on a blue and green background split top and bottom",
        [
            ("a medium orange triangle at the top right", "top right"),
            ("a small white circle at the bottom left", "bottom left"),
        ],
        "on a blue and green background split top and bottom",
    ),
    D(
        "a large yellow square at the bottom, a small purple circle at the top, on a black background",
        [
            ("a large yellow square at the bottom", "bottom"),
            ("a small purple circle at the top", "top"),
        ],
        "on a black background",
    ),
    D(
        "a small green circle at the bottom right, on a purple and orange background split left and right",
        [("a small green circle at the bottom right", "bottom right")],
        "on a purple and orange background split left and right",
    ),
    D(
        "a medium red triangle on the right and a medium blue square on the left, on a white background",
        [
            ("a medium red triangle on the right", "right"),
            ("a medium blue square on the left", "left"),
        ],
        "on a white background",
    ),
    D(
        "a large white circle in the centre, a small black triangle at the top left, on a red background",
        [
            ("a large white circle in the centre", "centre"),
            ("a small black triangle at the top left", "top left"),
        ],
        "on a red background",
    ),
    D(
        "a small yellow triangle at the top, on a green background",
        [("a small yellow triangle at the top", "top")],
        "on a green background",
    ),
    D(
        "a medium black circle at the bottom left, a medium white square at the bottom right, on a blue background",
        [
            ("a medium black circle at the bottom left", "bottom left"),
            ("a medium white square at the bottom right", "bottom right"),
        ],
        "on a blue background",
    ),
    D(
        "a large orange circle on the left, on a yellow and purple background split top and bottom",
        [("a large orange circle on the left", "left")],
        "on a yellow and purple background split top and bottom",
    ),
    D(
        "a small blue triangle at the top right, a medium red square in the centre and a small green circle at the bottom, on a white background",
        [
            ("a small blue triangle at the top right", "top right"),
            ("a medium red square in the centre", "centre"),
            ("a small green circle at the bottom", "bottom"),
        ],
        "on a white background",
    ),
    D(
        "a large purple square at the top left, on a black and white background split left and right",
        [("a large purple square at the top left", "top left")],
        "on a black and white background split left and right",
    ),
    D(
        "a medium green circle on the right, on an orange background",
        [("a medium green circle on the right", "right")],
        "on an orange background",
    ),
    D(
        "a small white square at the bottom, a small black square at the top, on a red and blue background split top and bottom",
        [
            ("a small white square at the bottom", "bottom"),
            ("a small black square at the top", "top"),
        ],
        "on a red and blue background split top and bottom",
    ),
    D(
        "a medium yellow triangle at the bottom left and a large red circle at the top right, on a green and purple background split left and right",
        [
            ("a medium yellow triangle at the bottom left", "bottom left"),
            ("a large red circle at the top right", "top right"),
        ],
        "on a green and purple background split left and right",
    ),
    D(
        "a small orange circle in the centre, on a black background",
        [("a small orange circle in the centre", "centre")],
        "on a black background",
    ),
    D(
        "a large blue triangle at the bottom right, a small yellow square on the left, on a white background",
        [
            ("a large blue triangle at the bottom right", "bottom right"),
            ("a small yellow square on the left", "left"),
        ],
        "on a white background",
    ),
]
