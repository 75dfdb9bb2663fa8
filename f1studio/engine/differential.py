"""Per-pixel denoising strength (differential diffusion, Levin & Fried 2024).

A request's ``strength_map`` gives each pixel its own strength. The run starts from pure
noise; each pixel follows the init image, noised to each step's level, through the steps that
img2img at its own strength would skip (the family's rule, as
:meth:`GenerationRequest.skipped_steps`), and is free from then on. A map of 255 everywhere is
a plain render from noise; a map of 0 keeps the init image's latents.

Every family's loop holds the same object: :meth:`Differential.hold` for the fixed-step loops,
:meth:`Differential.keep` for the adaptive sampler (which works in continuous time).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np


def start_steps(strengths: np.ndarray, steps: int, flow_matching: bool) -> np.ndarray:
    """int array: for each strength (0..1, a map's ``v / 255``) the first step at which img2img
    at that strength denoises, by the rule of :meth:`GenerationRequest.skipped_steps` (UNet
    pipelines run ``int(steps * s)`` steps, FLUX.1 pipelines ``steps - int(steps - steps * s)``)."""
    # snapped to the map's own grid (v / 255) first: area-averaging a uniform map can leave 1
    # as 0.99999994, and that must not lose a step
    s = np.clip(np.round(strengths.astype(np.float64) * 255.0) / 255.0, 0.0, 1.0)
    if flow_matching:
        return np.maximum(steps - np.minimum(steps * s, steps), 0).astype(np.int64)
    return np.maximum(steps - np.minimum(np.floor(steps * s), steps), 0).astype(np.int64)


def latent_strengths(strength_map: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """float32 ``size``: the map (uint8, 255 = 1) area-averaged onto the latent grid."""
    import cv2

    strengths = strength_map.astype(np.float32) / 255.0
    h, w = size
    return cv2.resize(strengths, (w, h), interpolation=cv2.INTER_AREA).astype(np.float32)


@dataclass
class Differential:
    """The init image's latents and the run's noise, and per latent pixel the step from which
    it is free (``start``, broadcasting against the latents)."""

    image_latents: Any
    noise: Any
    start: Any  # tensor, int
    steps: int  # the run's; a pixel starting there is never denoised (img2img keeps it)

    @classmethod
    def of(
        cls,
        strengths: np.ndarray,
        steps: int,
        flow_matching: bool,
        image_latents: Any,
        noise: Any,
        shape: Callable[[Any], Any] = lambda t: t[None, None],
    ) -> Differential:
        """From latent-grid ``strengths`` (:func:`latent_strengths`); ``shape`` lays a
        ``(h, w)`` tensor out as the loop's latents are (default ``(1, 1, h, w)``)."""
        import torch

        start = torch.from_numpy(start_steps(strengths, steps, flow_matching))
        return cls(image_latents, noise, shape(start).to(image_latents.device), steps)

    def held(self, step: int) -> Any:
        """Bool tensor: True where the latents entering ``step`` (0-based; ``steps`` = the end)
        still follow the init image. A pixel too weak for any step keeps it to the end."""
        return (self.start > step) | (self.start >= self.steps)

    def hold(self, latents: Any, step: int, noised: Any) -> Any:
        """``latents`` with the pixels still held at ``step`` set to ``noised`` (the init image
        noised to that step's level; its clean latents at the end)."""
        import torch

        m = self.held(step)
        if not bool(m.any()):  # nothing held: the very latents (a plain render stays one)
            return latents
        return torch.where(m, noised.to(latents.dtype), latents)

    def keep(
        self,
        alpha_sigma: Callable[[float], Any],
        tau_of: Callable[[float], float],
        step_taus: np.ndarray,
    ) -> Callable[[Any, float], Any]:
        """The adaptive sampler's ``keep``. ``step_taus[k]`` is the time (1 = pure noise, 0 =
        clean) of the fixed-step schedule's step ``k`` (``steps + 1`` values, the end last):
        a pixel is held to the init image, noised to the level, until the time of its start
        step."""
        import torch

        starts = np.minimum(self.start.cpu().numpy(), self.steps)
        release = torch.from_numpy(step_taus[starts].astype(np.float32)).to(self.start.device)
        never = self.start >= self.steps

        def keep(x: Any, lam: float) -> Any:
            alpha, sigma = alpha_sigma(lam)
            original = alpha * self.image_latents.to(x.dtype) + sigma * self.noise.to(x.dtype)
            m = (release < tau_of(lam)) | never
            return torch.where(m, original, x) if bool(m.any()) else x

        return keep

    def settled(self, x0: Any, step: int) -> Any:
        """What to decode when the run stops after ``step`` steps (early, or at the end): the
        prediction, with the init image's clean latents where pixels are still held."""
        import torch

        m = self.held(step)
        if not bool(m.any()):
            return x0
        return torch.where(m, self.image_latents.to(x0.dtype), x0)
