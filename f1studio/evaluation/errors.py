"""The one failure the evaluation reports to its user: a line that says what to do."""

from __future__ import annotations


class EvaluationError(Exception):
    """A missing model, an unreadable prompt file or reference folder: one line, no trace."""
