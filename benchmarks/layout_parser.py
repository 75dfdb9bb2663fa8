"""Exact-match accuracy of the rule-based layout planner on the hand-written prompt set.

    python benchmarks/layout_parser.py

Prints the accuracy, the number of cases and every failing prompt with what it gave.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from f1studio.layout import default_planner  # noqa: E402
from tests.layout.checking import ALL_CASES, score  # noqa: E402


def main() -> None:
    accuracy, failures = score(default_planner())
    print(
        f"cases: {len(ALL_CASES)}  exact: {len(ALL_CASES) - len(failures)}  accuracy: {accuracy:.1%}"
    )
    for case, layout, found in failures:
        print(f"\n[{case.group}] {case.prompt}")
        for problem in found:
            print(f"  - {problem}")
        for obj in layout.objects:
            print(f"    gave: {obj.phrase!r} {obj.box.cell} {obj.box.as_list()} depth {obj.depth}")
        print(f"    remainder: {layout.remainder!r}")
        for note in layout.notes:
            print(f"    note: {note}")


if __name__ == "__main__":
    main()
