"""Exact-match accuracy of the rule planner over the hand-written prompt set (at least 95%)."""

from __future__ import annotations

from collections import Counter

from f1studio.layout import default_planner
from tests.layout.checking import ALL_CASES, score

MIN_ACCURACY = 0.95


def test_the_case_set_is_large_and_varied() -> None:
    groups = Counter(case.group for case in ALL_CASES)
    assert len(ALL_CASES) >= 220
    assert groups["none"] >= 40
    assert groups["relation"] >= 40
    assert groups["count"] >= 30
    assert len({case.prompt for case in ALL_CASES}) == len(ALL_CASES)


def test_parser_accuracy(capsys) -> None:  # noqa: ANN001
    accuracy, failures = score(default_planner())
    with capsys.disabled():
        print(f"\nlayout parser: {accuracy:.1%} exact over {len(ALL_CASES)} cases")
        for case, _, found in failures:
            print(f"  FAIL {case.prompt!r}: {'; '.join(found)}")
    assert accuracy >= MIN_ACCURACY, [case.prompt for case, _, _ in failures]
