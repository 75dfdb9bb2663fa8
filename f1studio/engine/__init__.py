"""The diffusion engine. No Qt; torch and diffusers are imported lazily inside functions.

Public entry points: :func:`f1studio.engine.runner.run` and the request types in
:mod:`f1studio.engine.request`.
"""

from f1studio.engine.quiet import quiet_environment

quiet_environment()
