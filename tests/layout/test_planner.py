"""Focused tests of the rule planner: boxes, relations, counts, notes, JSON and the registry."""

from __future__ import annotations

import json

import pytest

from f1studio.layout import PLANNERS, Box, Layout, RulePlanner, default_planner
from f1studio.layout.words import singular
from tests.layout.checking import ALL_CASES

plan = default_planner().plan


def test_registry_and_default_planner() -> None:
    assert isinstance(default_planner(), RulePlanner)
    assert PLANNERS["rules"]().name == "rules"


@pytest.mark.parametrize("prompt", [c.prompt for c in ALL_CASES])
def test_every_box_lies_inside_the_canvas(prompt: str) -> None:
    for obj in plan(prompt).objects:
        b = obj.box
        assert 0.0 <= b.x0 < b.x1 <= 1.0 and 0.0 <= b.y0 < b.y1 <= 1.0, (obj.name, b)


def test_huge_foreground_object_in_a_corner_is_clamped() -> None:
    (obj,) = plan("a huge boulder at the bottom right in the foreground").objects
    assert obj.box.x1 <= 1.0 and obj.box.y1 <= 1.0
    assert obj.box.cell == "bottom right"


@pytest.mark.parametrize(
    ("prompt", "left", "right"),
    [
        ("a cat to the left of a dog", "cat", "dog"),
        ("a dog to the right of a cat", "cat", "dog"),
        ("a cat left of a dog", "cat", "dog"),
        ("a dog right of a cat", "cat", "dog"),
    ],
)
def test_left_of_in_both_orders(prompt: str, left: str, right: str) -> None:
    layout = plan(prompt)
    boxes = {o.name: o.box for o in layout.objects}
    assert boxes[left].centre[0] < boxes[right].centre[0]
    assert boxes[left].cell == "left" and boxes[right].cell == "right"
    assert not boxes[left].overlaps(boxes[right])


@pytest.mark.parametrize("prompt", ["three birds", "two cats on the left", "5 red balloons"])
def test_counts_give_boxes_that_do_not_overlap(prompt: str) -> None:
    objects = plan(prompt).objects
    assert len(objects) == {"three": 3, "two": 2, "5": 5}[prompt.split()[0]]
    for i, a in enumerate(objects):
        for b in objects[i + 1 :]:
            assert not a.box.overlaps(b.box)
    assert [o.name.rsplit(" ", 1)[1] for o in objects] == [str(k + 1) for k in range(len(objects))]


def test_counted_names_are_singular_and_numbered() -> None:
    names = [o.name for o in plan("two red apples").objects]
    assert names == ["red apple 1", "red apple 2"]


@pytest.mark.parametrize("prompt", ["a red car", "  a portrait of a woman, oil painting  ", ""])
def test_no_spatial_words_give_nothing(prompt: str) -> None:
    layout = plan(prompt)
    assert layout.objects == () and layout.remainder == prompt.strip() and layout.notes == ()


def test_to_json_rounds_and_is_plain() -> None:
    layout = plan("a small red circle on the left, on a yellow background")
    data = layout.to_json()
    assert json.loads(json.dumps(data)) == data
    (obj,) = data["objects"]
    assert obj["box"] == [round(v, 4) for v in obj["box"]]
    assert obj == {
        "phrase": "a small red circle on the left",
        "name": "small red circle",
        "box": [0.0625, 0.375, 0.3125, 0.625],
        "depth": 0,
    }
    assert data["remainder"] == "on a yellow background"
    assert Layout((), "x").to_json() == {"objects": [], "remainder": "x", "notes": []}


def test_next_to_gives_a_note() -> None:
    layout = plan("a cup next to a laptop")
    assert len(layout.notes) == 1 and "next to" in layout.notes[0]
    cup, laptop = layout.objects
    assert cup.box.centre[0] < laptop.box.centre[0]


def test_ambiguous_references_give_notes() -> None:
    layout = plan("a red apple on the left, a red ball on the right, and a cup above the red one")
    assert any("the red one" in n for n in layout.notes)
    assert len(layout.objects) == 3
    layout = plan("a woman with a red hat on the left")
    assert len(layout.notes) == 1


def test_a_later_the_refers_back() -> None:
    layout = plan("a cup on the left of a plate, and a fork right of the plate")
    assert [o.name for o in layout.objects] == ["cup", "plate", "fork"]
    cup, plate, fork = (o.box.centre[0] for o in layout.objects)
    assert cup < plate < fork


def test_in_front_of_overlaps_and_stacks() -> None:
    dog, house = plan("a dog in front of a house").objects
    assert dog.depth > house.depth and dog.box.overlaps(house.box)
    assert dog.box.centre[1] > house.box.centre[1]
    house, dog = plan("a house behind a dog").objects
    assert dog.depth > house.depth


def test_foreground_and_background_set_depth() -> None:
    castle, knight = plan("a castle in the background and a knight in the foreground").objects
    assert knight.depth > castle.depth
    knight, castle = plan("a knight in the foreground and a castle in the background").objects
    assert knight.depth > castle.depth


def test_depth_follows_mention_order_by_default() -> None:
    layout = plan(
        "a small red circle on the left, a medium green square at the top and a large blue triangle at the bottom right, on a black background"
    )
    assert [o.depth for o in layout.objects] == [0, 1, 2]


@pytest.mark.parametrize(
    ("size", "side"),
    [("tiny", 0.15), ("small", 0.25), ("medium", 0.35), ("large", 0.5), ("huge", 0.7)],
)
def test_size_words_set_the_box_side(size: str, side: float) -> None:
    (obj,) = plan(f"a {size} ball in the centre").objects
    assert obj.box.width == pytest.approx(side) and obj.box.centre == pytest.approx((0.5, 0.5))


def test_grid_cells_have_the_documented_centres() -> None:
    cells = {
        "on the left": (0.1875, 0.5),
        "at the top right": (0.8125, 0.1875),
        "in the centre": (0.5, 0.5),
        "at the bottom": (0.5, 0.8125),
    }
    for words, centre in cells.items():
        (obj,) = plan(f"a tiny dot {words}").objects
        assert obj.box.centre == pytest.approx(centre)


def test_objects_without_relations_do_not_overlap() -> None:
    layout = plan("a big cat on the left, a big dog in the centre and a big bird on the right")
    a, b, c = (o.box for o in layout.objects)
    assert not a.overlaps(b) and not b.overlaps(c) and not a.overlaps(c)


def test_box_helpers() -> None:
    box = Box(0.1, 0.2, 0.5, 0.6)
    assert box.centre == pytest.approx((0.3, 0.4))
    assert box.width == pytest.approx(0.4) and box.height == pytest.approx(0.4)
    assert box.scaled(100, 200) == (10, 40, 50, 120)
    assert Box(-0.2, 0.5, 0.2, 1.3).clamped().as_list() == [0.0, 0.2, 0.4, 1.0]
    with pytest.raises(ValueError):
        Box(0.5, 0.5, 0.5, 0.6)


@pytest.mark.parametrize(
    ("plural", "one"),
    [
        ("apples", "apple"),
        ("berries", "berry"),
        ("wolves", "wolf"),
        ("knives", "knife"),
        ("boxes", "box"),
        ("churches", "church"),
        ("dishes", "dish"),
        ("glasses", "glass"),
        ("buses", "bus"),
        ("houses", "house"),
        ("horses", "horse"),
        ("mice", "mouse"),
        ("people", "person"),
        ("children", "child"),
        ("firemen", "fireman"),
        ("sheep", "sheep"),
        ("teeth", "tooth"),
        ("feet", "foot"),
    ],
)
def test_singular(plural: str, one: str) -> None:
    assert singular(plural) == one
