"""Word tables for the rule-based layout planner: positions, sizes, counts and plurals."""

from __future__ import annotations

#: Box side (fraction of the canvas side) for each size word; no word means ``medium``.
SIZES: dict[str, float] = {
    "tiny": 0.15,
    "small": 0.25,
    "little": 0.25,
    "medium": 0.35,
    "big": 0.5,
    "large": 0.5,
    "huge": 0.7,
    "giant": 0.7,
    "enormous": 0.7,
    "massive": 0.7,
}
DEFAULT_SIZE = 0.35

NUMBERS: dict[str, int] = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
}
#: "a pair of shoes", "a couple of birds", "a trio of cats".
GROUPS: dict[str, int] = {"pair": 2, "couple": 2, "trio": 3}
MAX_COUNT = 12

ARTICLES = frozenset({"a", "an", "the"})
#: Words that begin a new noun phrase (an "and" before one of them joins two objects).
DETERMINERS = ARTICLES | frozenset(
    {"some", "this", "that", "these", "those", "his", "her", "its", "their", "my", "our", "your"}
)
PRONOUNS = frozenset({"it", "them", "him", "her", "this", "that"})

VERTICAL = {"top": "top", "upper": "top", "bottom": "bottom", "lower": "bottom"}
HORIZONTAL = frozenset({"left", "right"})
CENTRE = frozenset({"centre", "center", "middle"})
POSITION_PREPS = frozenset({"on", "at", "in", "to", "toward", "towards", "into"})
INTENSIFIERS = frozenset({"far", "very", "extreme", "just", "slightly"})
SIDE_WORDS = frozenset(
    {"side", "corner", "edge", "half", "part", "area", "portion", "third", "quadrant", "region"}
)
CANVAS_NOUNS = frozenset(
    {
        "image",
        "picture",
        "frame",
        "canvas",
        "scene",
        "photo",
        "photograph",
        "composition",
        "painting",
        "page",
        "screen",
        "shot",
        "view",
        "panel",
        "poster",
    }
)
#: Words that may follow a position phrase (anything else, e.g. "on the left bank", means the
#: position words belong to a noun and are no position).
FOLLOWERS = frozenset(
    {
        "and",
        "with",
        "in",
        "on",
        "at",
        "near",
        "by",
        "while",
        "wearing",
        "holding",
        "is",
        "are",
        "that",
        "which",
        "who",
        "under",
        "over",
        "above",
        "below",
        "beside",
        "behind",
        "next",
        "to",
        "of",
        "against",
        "for",
        "as",
        "during",
        "among",
        "amid",
        "into",
        "toward",
        "towards",
        "beneath",
        "underneath",
        "then",
        "plus",
        "or",
        "but",
        "corner",
        "facing",
        "looking",
    }
)
#: Words that end a noun phrase's core and begin a modifier ("a cat sitting on a sofa").
MODIFIER_STARTS = frozenset(
    {
        "with",
        "wearing",
        "holding",
        "in",
        "on",
        "at",
        "of",
        "from",
        "near",
        "by",
        "that",
        "who",
        "which",
        "under",
        "over",
        "against",
        "is",
        "are",
        "made",
        "covered",
        "filled",
        "dressed",
        "for",
        "into",
    }
)
ATTACHED_TAILS = frozenset({"with", "wearing", "holding", "facing", "looking", "dressed"})
JOINERS = frozenset({"and", "with", "while", "plus", "&"})
#: Nouns naming a whole picture or place ("a photo of ...", "a beach scene with ...").
SCENE_NOUNS = frozenset(
    {
        "painting",
        "photo",
        "photograph",
        "picture",
        "image",
        "portrait",
        "illustration",
        "drawing",
        "poster",
        "render",
        "sketch",
        "shot",
        "view",
        "scene",
        "watercolor",
        "watercolour",
        "landscape",
        "room",
        "kitchen",
        "bedroom",
        "street",
        "city",
        "cityscape",
        "garden",
        "beach",
        "field",
        "forest",
        "park",
        "meadow",
        "valley",
        "desert",
        "interior",
        "seascape",
    }
)
#: "under the stars", "over the ocean": the surroundings, not a second object.
AMBIENT = frozenset(
    {
        "sky",
        "skies",
        "stars",
        "sea",
        "ocean",
        "water",
        "waves",
        "rain",
        "snow",
        "moonlight",
        "sunlight",
        "sun",
        "moon",
        "clouds",
        "light",
        "lights",
        "spotlight",
        "night",
        "world",
        "city",
        "surface",
    }
)
AMBIENT_RELATIONS = frozenset({"under", "beneath", "underneath", "over"})
COPULAS = frozenset({"is", "are", "was", "were", "sits", "stands"})

IRREGULAR: dict[str, str] = {
    "mice": "mouse",
    "geese": "goose",
    "people": "person",
    "children": "child",
    "men": "man",
    "women": "woman",
    "feet": "foot",
    "teeth": "tooth",
    "sheep": "sheep",
    "fish": "fish",
    "deer": "deer",
}
#: -ves plurals and their singulars (others ending -ves just lose the -s).
VES: dict[str, str] = {
    "wolves": "wolf",
    "leaves": "leaf",
    "loaves": "loaf",
    "halves": "half",
    "shelves": "shelf",
    "calves": "calf",
    "elves": "elf",
    "scarves": "scarf",
    "thieves": "thief",
    "knives": "knife",
    "wives": "wife",
    "lives": "life",
}


def singular(word: str) -> str:
    """A plural noun's singular by the simple English rules (irregular nouns from a table)."""
    low = word.lower()
    if low in IRREGULAR:
        return _same_case(word, IRREGULAR[low])
    if low.endswith("women") or low.endswith("men"):
        return word[:-2] + "an"
    if low in VES:
        return _same_case(word, VES[low])
    if low.endswith("ies") and len(low) > 4:
        return word[:-3] + "y"
    if low.endswith(("sses", "xes", "ches", "shes", "zzes")):
        return word[:-2]
    if low.endswith("uses") and not low.endswith("ouses"):
        return word[:-2]  # buses
    if low.endswith("s") and not low.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _same_case(original: str, word: str) -> str:
    return word.capitalize() if original[:1].isupper() else word


def article_for(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"
