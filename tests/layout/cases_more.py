"""More hand-written cases: relations (both orders), counts, sizes, depth, artists' prompts."""

from __future__ import annotations

from tests.layout.cases import _c

R = _c("relation")
RELATIONS = [
    R("a cat to the left of a dog", [("a cat", "left"), ("a dog", "right")], rels=[("left", 0, 1)]),
    R(
        "a dog to the right of a cat",
        [("a dog", "right"), ("a cat", "left")],
        rels=[("left", 1, 0)],
    ),
    R("a bird above a house", [("a bird", "top"), ("a house", "bottom")], rels=[("above", 0, 1)]),
    R("a house below a bird", [("a house", "bottom"), ("a bird", "top")], rels=[("above", 1, 0)]),
    R("a lamp over a table", [("a lamp", "top"), ("a table", "bottom")], rels=[("above", 0, 1)]),
    R("a table under a lamp", [("a table", "bottom"), ("a lamp", "top")], rels=[("above", 1, 0)]),
    R("a ball beneath a chair", [("a ball", None), ("a chair", None)], rels=[("above", 1, 0)]),
    R("a cat underneath a table", [("a cat", None), ("a table", None)], rels=[("above", 1, 0)]),
    R("a hat on top of a box", [("a hat", "top"), ("a box", "bottom")], rels=[("above", 0, 1)]),
    R("a box with a hat on top of it", [("a box", None), ("a hat", None)], rels=[("above", 1, 0)]),
    R("a dog in front of a house", [("a dog", None), ("a house", None)], rels=[("front", 0, 1)]),
    R("a house behind a dog", [("a house", None), ("a dog", None)], rels=[("front", 1, 0)]),
    R("a tree behind a bench", [("a tree", None), ("a bench", None)], rels=[("front", 1, 0)]),
    R("a car in front of a garage", [("a car", None), ("a garage", None)], rels=[("front", 0, 1)]),
    R("a cup next to a laptop", [("a cup", None), ("a laptop", None)], rels=[("left", 0, 1)]),
    R("a chair beside a table", [("a chair", None), ("a table", None)], rels=[("left", 0, 1)]),
    R(
        "a red ball left of a blue box",
        [("a red ball", "left"), ("a blue box", "right")],
        rels=[("left", 0, 1)],
    ),
    R(
        "a blue box right of a red ball",
        [("a blue box", "right"), ("a red ball", "left")],
        rels=[("left", 1, 0)],
    ),
    R("a lamp on the left of a sofa", [("a lamp", None), ("a sofa", None)], rels=[("left", 0, 1)]),
    R("a sofa on the right of a lamp", [("a sofa", None), ("a lamp", None)], rels=[("left", 1, 0)]),
    R(
        "a dog to the right of a cat on the left",
        [("a dog", None), ("a cat on the left", "left")],
        rels=[("left", 1, 0)],
    ),
    R(
        "a cat on the left to the left of a dog",
        [("a cat on the left", "left"), ("a dog", None)],
        rels=[("left", 0, 1)],
    ),
    R(
        "a cup on the left of a plate, and a fork right of the plate",
        [("a cup", None), ("a plate", None), ("a fork", None)],
        rels=[("left", 0, 1), ("left", 1, 2)],
    ),
    R(
        "a plate in the centre and a cup to its left",
        [("a plate in the centre", "centre"), ("a cup", "left")],
        rels=[("left", 1, 0)],
    ),
    R(
        "a table in the middle with a vase on top of it",
        [("a table in the middle", "centre"), ("a vase", "top")],
        rels=[("above", 1, 0)],
    ),
    R(
        "a cat to the left of a dog, photo, 4k",
        [("a cat", "left"), ("a dog", "right")],
        "photo, 4k",
        rels=[("left", 0, 1)],
    ),
    R(
        "a photo of a cat next to a dog",
        [("a cat", None), ("a dog", None)],
        "a photo",
        rels=[("left", 0, 1)],
    ),
    R(
        "a man standing behind a woman",
        [("a man standing", None), ("a woman", None)],
        rels=[("front", 1, 0)],
    ),
    R(
        "the sun behind the clouds",
        [("the sun", None), ("the clouds", None)],
        rels=[("front", 1, 0)],
    ),
    R(
        "a cat sitting under a table",
        [("a cat sitting", None), ("a table", None)],
        rels=[("above", 1, 0)],
    ),
    R(
        "a balloon above a house, watercolor",
        [("a balloon", "top"), ("a house", "bottom")],
        "watercolor",
        rels=[("above", 0, 1)],
    ),
    R(
        "a small dog next to a big dog",
        [("a small dog", None), ("a big dog", None)],
        rels=[("left", 0, 1)],
    ),
    R(
        "a vase to the left of a lamp and a clock to the right of the lamp",
        [("a vase", "left"), ("a lamp", "centre"), ("a clock", "right")],
        rels=[("left", 0, 1), ("left", 1, 2)],
    ),
    R(
        "a sun above a mountain and a lake below the mountain",
        [("a sun", "top"), ("a mountain", "centre"), ("a lake", "bottom")],
        rels=[("above", 0, 1), ("above", 1, 2)],
    ),
    R(
        "a mug in front of a laptop, cozy desk",
        [("a mug", None), ("a laptop", None)],
        "cozy desk",
        rels=[("front", 0, 1)],
    ),
    R(
        "a laptop behind a mug, cozy desk",
        [("a laptop", None), ("a mug", None)],
        "cozy desk",
        rels=[("front", 1, 0)],
    ),
    R(
        "a girl to the left of a boy wearing a cap",
        [("a girl", "left"), ("a boy wearing a cap", "right")],
        rels=[("left", 0, 1)],
    ),
    R(
        "a boy wearing a cap to the right of a girl",
        [("a boy wearing a cap", "right"), ("a girl", "left")],
        rels=[("left", 1, 0)],
    ),
    R(
        "an eagle above a mountain lake",
        [("an eagle", "top"), ("a mountain lake", "bottom")],
        rels=[("above", 0, 1)],
    ),
    R(
        "a mountain lake below an eagle",
        [("a mountain lake", "bottom"), ("an eagle", "top")],
        rels=[("above", 1, 0)],
    ),
    R(
        "a cat is to the left of a dog",
        [("a cat", "left"), ("a dog", "right")],
        rels=[("left", 0, 1)],
    ),
    R(
        "a red apple beside a green pear, still life",
        [("a red apple", None), ("a green pear", None)],
        "still life",
        rels=[("left", 0, 1)],
    ),
    R(
        "a rabbit in front of a fox in front of a bear",
        [("a rabbit", None), ("a fox", None), ("a bear", None)],
        rels=[("depth", 0, 1), ("depth", 1, 2)],
    ),
    R(
        "a lamp on the right and a chair to its left",
        [("a lamp on the right", "right"), ("a chair", None)],
        rels=[("left", 1, 0)],
    ),
]

K = _c("count")
COUNTS = [
    K("two red apples", [("a red apple", None)] * 2),
    K("three birds", [("a bird", None)] * 3),
    K("a pair of shoes", [("a shoe", None)] * 2),
    K("3 cats", [("a cat", None)] * 3),
    K("two cats on the left", [("a cat on the left", "left")] * 2),
    K("four mice", [("a mouse", None)] * 4),
    K("two geese on a pond", [("a goose on a pond", None)] * 2),
    K("three people walking", [("a person walking", None)] * 3),
    K("two children playing", [("a child playing", None)] * 2),
    K("five sheep", [("a sheep", None)] * 5),
    K("two wolves howling", [("a wolf howling", None)] * 2),
    K("three boxes", [("a box", None)] * 3),
    K("two glasses of wine", [("a glass of wine", None)] * 2),
    K("four strawberries", [("a strawberry", None)] * 4),
    K("two old men on a bench", [("an old man on a bench", None)] * 2),
    K("two knives on the right", [("a knife on the right", "right")] * 2),
    K("three leaves", [("a leaf", None)] * 3),
    K("a couple of ducks at the bottom", [("a duck at the bottom", "bottom")] * 2),
    K("two dogs, oil painting", [("a dog", None)] * 2, "oil painting"),
    K("three teeth", [("a tooth", None)] * 3),
    K("two deer in a forest", [("a deer in a forest", None)] * 2),
    K("two fish", [("a fish", None)] * 2),
    K("six eggs in a carton", [("an egg in a carton", None)] * 6),
    K("two women and a man", [("a woman", None)] * 2 + [("a man", None)]),
    K("a photo of two cats", [("a cat", None)] * 2, "a photo"),
    K(
        "two horses at the top and three cows at the bottom",
        [("a horse at the top", "top")] * 2 + [("a cow at the bottom", "bottom")] * 3,
    ),
    K("2 red balls on the right", [("a red ball on the right", "right")] * 2),
    K("ten candles", [("a candle", None)] * 10),
    K("two buses", [("a bus", None)] * 2),
    K("three dresses", [("a dress", None)] * 3),
    K("two foxes", [("a fox", None)] * 2),
    K("two benches in a park", [("a bench in a park", None)] * 2),
    K("two butterflies", [("a butterfly", None)] * 2),
    K("two women in red dresses", [("a woman in red dresses", None)] * 2),
    K("two houses at the bottom left", [("a house at the bottom left", "bottom left")] * 2),
    K("a trio of owls at the top", [("an owl at the top", "top")] * 3),
    K("three small stars at the top right", [("a small star at the top right", "top right")] * 3),
    K("two cups, coffee shop", [("a cup", None)] * 2, "coffee shop"),
    K(
        "a cat between two dogs",
        [("a cat", "centre"), ("a dog", "left"), ("a dog", "right")],
    ),
    K(
        "a bird in the sky above a lake",
        [("a bird in the sky", "top"), ("a lake", "bottom")],
        rels=[("above", 0, 1)],
    ),
]

S = _c("size")
SIZES = [
    S("a tiny bird at the top left", [("a tiny bird at the top left", "top left")], width=0.15),
    S("a huge moon at the top", [("a huge moon at the top", "top")], width=0.7),
    S("a giant robot in the centre", [("a giant robot in the centre", "centre")], width=0.7),
    S("a little house on the right", [("a little house on the right", "right")], width=0.25),
    S("a small boat on the left", [("a small boat on the left", "left")], width=0.25),
    S("a big tree on the right", [("a big tree on the right", "right")], width=0.5),
    S("a large rock at the bottom", [("a large rock at the bottom", "bottom")], width=0.5),
    S("a medium cube in the middle", [("a medium cube in the middle", "centre")], width=0.35),
    S("a vase on the left", [("a vase on the left", "left")], width=0.35),
    S(
        "a small shiny red apple at the bottom right",
        [("a small shiny red apple at the bottom right", "bottom right")],
        width=0.25,
    ),
    S("a huge whale at the bottom left", [("a huge whale at the bottom left", "bottom left")]),
    S("a tiny ant in the centre", [("a tiny ant in the centre", "centre")], width=0.15),
]

F = _c("depth")
DEPTH = [
    F(
        "a castle in the background and a knight in the foreground",
        [("a castle in the background", None), ("a knight in the foreground", None)],
        rels=[("depth", 1, 0), ("above", 0, 1)],
    ),
    F(
        "a knight in the foreground and a castle in the background",
        [("a knight in the foreground", None), ("a castle in the background", None)],
        rels=[("depth", 0, 1), ("above", 1, 0)],
    ),
    F(
        "mountains in the background, a lake",
        [("mountains in the background", "top")],
        "a lake",
    ),
    F("a tree in the foreground, fog", [("a tree in the foreground", "bottom")], "fog"),
    F(
        "a deer in the foreground on the left, mountains in the distance",
        [("a deer in the foreground on the left", "left"), ("mountains in the distance", "top")],
        rels=[("depth", 0, 1)],
    ),
    F(
        "a man on the right in the foreground and a house in the background",
        [("a man on the right in the foreground", "right"), ("a house in the background", None)],
        rels=[("depth", 0, 1)],
    ),
    F(
        "a flower in the foreground and a bee on the left",
        [("a flower in the foreground", None), ("a bee on the left", "left")],
        rels=[("depth", 0, 1)],
    ),
    F(
        "in the foreground a wolf, in the background a forest",
        [("a wolf in the foreground", None), ("a forest in the background", None)],
        rels=[("depth", 0, 1), ("above", 1, 0)],
    ),
    F(
        "a ship in the far distance, calm sea",
        [("a ship in the far distance", "top")],
        "calm sea",
    ),
    F(
        "a cup of coffee in the foreground, blurred cafe in the background",
        [("a cup of coffee in the foreground", None), ("blurred cafe in the background", None)],
        rels=[("depth", 0, 1), ("above", 1, 0)],
    ),
    F(
        "a girl in the foreground at the bottom left, a castle in the background at the top right",
        [
            ("a girl in the foreground at the bottom left", "bottom left"),
            ("a castle in the background at the top right", "top right"),
        ],
        rels=[("depth", 0, 1)],
    ),
    F(
        "a fence in the foreground, a barn in the background, sunset",
        [("a fence in the foreground", None), ("a barn in the background", None)],
        "sunset",
        rels=[("depth", 0, 1), ("above", 1, 0)],
    ),
]
