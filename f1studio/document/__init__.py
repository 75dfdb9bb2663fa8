"""The document: canvas size, layer stack, prompts, settings and undo history.

No Qt, no torch. The only engine import allowed here is :mod:`f1studio.engine.request`.
"""
