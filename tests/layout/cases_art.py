"""Hand-written cases: everyday artists' prompts."""

from __future__ import annotations

from tests.layout.cases import _c

A = _c("artist")
ARTIST = [
    A(
        "two cats sitting on a sofa on the left and a lamp on the right",
        [("a cat sitting on a sofa on the left", "left")] * 2 + [("a lamp on the right", "right")],
    ),
    A(
        "a beach scene with a palm tree on the left",
        [("a palm tree on the left", "left")],
        "a beach scene",
    ),
    A(
        "a cozy living room with a fireplace on the left and a window on the right, warm light",
        [("a fireplace on the left", "left"), ("a window on the right", "right")],
        "a cozy living room, warm light",
    ),
    A(
        "portrait of a woman on the left, a red curtain on the right, baroque painting",
        [("a woman on the left", "left"), ("a red curtain on the right", "right")],
        "portrait, baroque painting",
    ),
    A(
        "a knight on a horse on the left, a dragon in the sky at the top right, epic fantasy",
        [
            ("a knight on a horse on the left", "left"),
            ("a dragon in the sky at the top right", "top right"),
        ],
        "epic fantasy",
    ),
    A(
        "a red barn on the left, a windmill on the right, wheat field, golden hour",
        [("a red barn on the left", "left"), ("a windmill on the right", "right")],
        "wheat field, golden hour",
    ),
    A(
        "a girl reading a book in the bottom left corner, cozy library",
        [("a girl reading a book in the bottom left corner", "bottom left")],
        "cozy library",
    ),
    A(
        "a vase of flowers on the left of a window, still life",
        [("a vase of flowers", "left"), ("a window", "right")],
        "still life",
        rels=[("left", 0, 1)],
    ),
    A(
        "a cat sleeping on a windowsill on the right, rainy day",
        [("a cat sleeping on a windowsill on the right", "right")],
        "rainy day",
    ),
    A(
        "an old man with a cane on the left and a young girl on the right",
        [("an old man with a cane on the left", "left"), ("a young girl on the right", "right")],
    ),
    A(
        "a full moon at the top, a wolf howling at the bottom, dark forest",
        [("a full moon at the top", "top"), ("a wolf howling at the bottom", "bottom")],
        "dark forest",
    ),
    A(
        "a sailboat on the left, a lighthouse on the right, calm sea, watercolor",
        [("a sailboat on the left", "left"), ("a lighthouse on the right", "right")],
        "calm sea, watercolor",
    ),
    A(
        "a small house at the bottom right, huge mountains at the top, dramatic clouds",
        [
            ("a small house at the bottom right", "bottom right"),
            ("huge mountains at the top", "top"),
        ],
        "dramatic clouds",
    ),
    A(
        "a man with an umbrella under a streetlight, rainy night",
        [("a man with an umbrella", "bottom"), ("a streetlight", "top")],
        "rainy night",
        rels=[("above", 1, 0)],
    ),
    A(
        "a robot standing next to a little girl, pixar style",
        [("a robot standing", None), ("a little girl", None)],
        "pixar style",
        rels=[("left", 0, 1)],
    ),
    A(
        "a bowl of fruit in the centre, a bottle of wine to its left, a candle to its right, dutch still life",
        [
            ("a bowl of fruit in the centre", "centre"),
            ("a bottle of wine", "left"),
            ("a candle", "right"),
        ],
        "dutch still life",
        rels=[("left", 1, 0), ("left", 0, 2)],
    ),
    A(
        "a snowman on the left and two children on the right, winter village",
        [("a snowman on the left", "left")] + [("a child on the right", "right")] * 2,
        "winter village",
    ),
    A(
        "a giant tree in the centre with a tiny house beneath it",
        [("a giant tree in the centre", "centre"), ("a tiny house", None)],
        rels=[("above", 0, 1)],
    ),
    A(
        "a sunflower field with a red barn on the right",
        [("a red barn on the right", "right")],
        "a sunflower field",
    ),
    A(
        "a samurai on the left facing a dragon on the right, ink painting",
        [("a samurai on the left", "left"), ("a dragon on the right", "right")],
        "ink painting",
    ),
    A(
        "cyberpunk city street, a neon sign at the top left, a girl with an umbrella in the centre, rain",
        [
            ("a neon sign at the top left", "top left"),
            ("a girl with an umbrella in the centre", "centre"),
        ],
        "cyberpunk city street, rain",
    ),
    A(
        "a hot air balloon above a valley, morning mist, 4k",
        [("a hot air balloon", "top"), ("a valley", "bottom")],
        "morning mist, 4k",
        rels=[("above", 0, 1)],
    ),
    A(
        "an apple on the left, a pear in the middle and a banana on the right, still life, oil on canvas",
        [
            ("an apple on the left", "left"),
            ("a pear in the middle", "centre"),
            ("a banana on the right", "right"),
        ],
        "still life, oil on canvas",
    ),
    A(
        "a black cat at the bottom left, a crescent moon at the top right, halloween poster",
        [
            ("a black cat at the bottom left", "bottom left"),
            ("a crescent moon at the top right", "top right"),
        ],
        "halloween poster",
    ),
    A(
        "a bride on the left and a groom on the right, wedding photo, soft light",
        [("a bride on the left", "left"), ("a groom on the right", "right")],
        "wedding photo, soft light",
    ),
    A(
        "a lone tree in the middle of the frame, minimalism",
        [("a lone tree in the middle of the frame", "centre")],
        "minimalism",
    ),
    A(
        "a vase at the top, a book and a pen at the bottom",
        [
            ("a vase at the top", "top"),
            ("a book at the bottom", "bottom"),
            ("a pen at the bottom", "bottom"),
        ],
    ),
    A(
        "a woman with a red hat on the left, impressionism",
        [("a woman with a red hat on the left", "left")],
        "impressionism",
    ),
    A(
        "three birds on a wire at the top, city skyline",
        [("a bird on a wire at the top", "top")] * 3,
        "city skyline",
    ),
    A(
        "a dog in front of a fireplace, christmas card",
        [("a dog", None), ("a fireplace", None)],
        "christmas card",
        rels=[("front", 0, 1)],
    ),
    # a list placed in order ("from left to right": two or three things)
    A(
        "a dog, a cat and a bird from left to right",
        [
            ("a dog on the left", "left"),
            ("a cat in the centre", "centre"),
            ("a bird on the right", "right"),
        ],
    ),
    A(
        "a red circle and a blue square from left to right, on a white background",
        [("a red circle on the left", "left"), ("a blue square on the right", "right")],
        "on a white background",
    ),
    A(
        "a sun, a cloud and a house from top to bottom, crayon drawing",
        [
            ("a sun at the top", "top"),
            ("a cloud in the centre", "centre"),
            ("a house at the bottom", "bottom"),
        ],
        "crayon drawing",
    ),
    A("apples, pears, plums and figs from left to right, still life"),
]
