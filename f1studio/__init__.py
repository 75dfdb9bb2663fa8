"""F1 Studio: steer image diffusion models with your hands.

Importing this package is cheap: torch, diffusers and Qt are imported lazily where used.
"""

__version__ = "0.1.0"
