"""The error-controlled adaptive sampler (scheduler ``"adaptive"``).

It integrates the model's probability-flow ODE in DPM-Solver++'s data-prediction form over the
half-log-SNR ``lambda = log(alpha / sigma)`` (Lu et al., "DPM-Solver" and "DPM-Solver++") and
chooses every step size from an estimate of its local error, as DPM-Solver-12 does: a first-
and a second-order update of the same step are compared, the step is accepted when their
scaled difference ``E = rms(diff / (atol + rtol |x|))`` is at most 1, and the next step is
``h * clip(theta * E ** (-1 / 2))``. DPM-Solver-12 spends two model evaluations on every try;
here each accepted step costs one, and the error is checked twice:

* before the evaluation, DDIM (first order) against DPM-Solver++(2M) (second order, the slope
  of the predicted clean latent over the last step): a step that fails costs nothing;
* after it, the 2M point against the corrector that takes the clean latent linear in
  ``lambda`` between the two evaluations (the UniPC arrangement). This catches what the
  slope of the last step cannot foresee (the picture starting to form after steps through
  almost pure noise); a step that fails here has cost its evaluation. The corrected point is
  the one kept.

Busy pictures change their predicted clean image faster, so they take smaller steps and more
evaluations than simple ones. The request's ``steps`` caps the evaluations: once the budget
left only just covers the rest of the way, steps stop shrinking and are accepted as they are.
The last point is denoised with the noise the model saw there (no extra evaluation).

Every family describes its schedule as :class:`NoiseLevels` (:func:`vp_levels` for epsilon and
v-prediction UNets, zero terminal SNR included; :func:`flow_levels` for flow matching) and
hands over a ``denoise`` callable: the model's guided prediction of the clean latent at a point,
given the share of the run done (for ControlNet step ranges, previews and progress). Torch is
only touched through the tensors the family passes in (numpy arrays work too).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from f1studio.engine.request import ADAPTIVE_SCHEDULER, DEFAULT_ADAPTIVE_TOLERANCE

__all__ = ["ADAPTIVE_SCHEDULER", "AdaptiveRun", "NoiseLevels", "flow_levels", "sample"]

#: ``atol`` as a share of the tolerance (``rtol``).
ATOL_SHARE = 0.1
#: Step-size controller: safety factor and the most a step may shrink or grow at once.
THETA = 0.9
MIN_FACTOR = 0.2
MAX_FACTOR = 2.0
#: The first try spans this share of the run's lambda range.
INITIAL_SHARE = 0.1
#: The lowest half-log-SNR: alpha^2 = 2^-24 as diffusers clamps zero-terminal-SNR schedules;
#: pure noise (alpha = 0) counts as this level.
LAMBDA_FLOOR = 0.5 * math.log(2.0**-24)
#: The finest sigma a flow-matching run goes to before it decodes its prediction.
FLOW_SIGMA_END = 0.02
#: ControlNet and reference step ranges are read on a grid of this many steps.
FRACTION_GRID = 1000

Denoise = Callable[[Any, float, float], Any]  # (x, lambda, fraction) -> predicted x0
Keep = Callable[[Any, float], Any]  # (x, lambda) -> x with what must stay (inpaint) restored


@dataclass(frozen=True)
class NoiseLevels:
    """A schedule: at time fraction ``tau`` (1 = pure noise, 0 = clean) the half-log-SNR
    ``lambda`` and the time the model is given."""

    taus: np.ndarray  # ascending
    lambdas: np.ndarray  # at ``taus``, descending, finite (floored at LAMBDA_FLOOR)
    model_times: np.ndarray  # at ``taus``: the timestep the model takes
    flow: bool  # flow matching (alpha = 1 - sigma) rather than variance preserving
    tau_end: float = 0.0

    def lam(self, tau: float) -> float:
        return float(np.interp(tau, self.taus, self.lambdas))

    def tau(self, lam: float) -> float:
        return float(np.interp(lam, self.lambdas[::-1], self.taus[::-1]))

    def model_time(self, lam: float) -> float:
        return float(np.interp(self.tau(lam), self.taus, self.model_times))

    def alpha_sigma(self, lam: float) -> tuple[float, float]:
        if self.flow:  # alpha / sigma = e^lambda with alpha + sigma = 1
            return _sigmoid(lam), _sigmoid(-lam)
        return math.sqrt(_sigmoid(2 * lam)), math.sqrt(_sigmoid(-2 * lam))

    def x0_from(self, x: Any, output: Any, lam: float, prediction: str) -> Any:
        """The clean latent a model output predicts at ``lambda`` (epsilon, v or flow)."""
        alpha, sigma = self.alpha_sigma(lam)
        if prediction == "flow":
            return x - sigma * output  # velocity = noise - x0, x = (1 - sigma) x0 + sigma noise
        if prediction == "v_prediction":
            return alpha * x - sigma * output
        return (x - sigma * output) / alpha


def vp_levels(alphas_cumprod: Any) -> NoiseLevels:
    """The levels of a discrete variance-preserving schedule (timesteps ``0 .. T-1``)."""
    a = np.asarray(alphas_cumprod, dtype=np.float64)
    a = np.clip(a, 2.0**-24, 1.0 - 1e-12)
    lambdas = np.maximum(0.5 * (np.log(a) - np.log1p(-a)), LAMBDA_FLOOR)
    times = np.arange(len(a), dtype=np.float64)
    return NoiseLevels(times / (len(a) - 1), lambdas, times, flow=False)


def flow_levels(sigmas: Any) -> NoiseLevels:
    """The levels of a flow-matching schedule from its shifted ``sigmas`` at evenly spaced
    time fractions (1 first, as a scheduler lists them; a trailing 0 is dropped)."""
    s = np.asarray(sigmas, dtype=np.float64)
    s = s[s > 0][::-1]  # ascending
    taus = np.linspace(0.0, 1.0, len(s) + 1)[1:]
    taus, s = np.concatenate([[0.0], taus]), np.concatenate([[0.0], s])
    clipped = np.clip(s, 1e-6, 1.0 - 1e-12)
    lambdas = np.maximum(np.log1p(-clipped) - np.log(clipped), LAMBDA_FLOOR)
    tau_end = float(np.interp(FLOW_SIGMA_END, s, taus))
    return NoiseLevels(taus, lambdas, s * 1000.0, flow=True, tau_end=tau_end)


def grid_step(fraction: float) -> tuple[int, int]:
    """``(step, total)`` on :data:`FRACTION_GRID` for a share of the run done, for rules
    written per step (ControlNet ranges and curves, reference step ranges)."""
    return min(FRACTION_GRID - 1, max(0, int(fraction * FRACTION_GRID))), FRACTION_GRID


@dataclass
class AdaptiveRun:
    """What one adaptive run did (for tests and studies)."""

    nfe: int = 0
    accepted: int = 0
    rejected: int = 0
    lambdas: list[float] = field(default_factory=list)  # accepted points, the start first
    errors: list[float] = field(default_factory=list)  # E of every try


def sample(
    x: Any,
    levels: NoiseLevels,
    tau_start: float,
    denoise: Denoise,
    max_nfe: int,
    tolerance: float = DEFAULT_ADAPTIVE_TOLERANCE,
    keep: Keep | None = None,
    record: AdaptiveRun | None = None,
) -> Any:
    """Integrate from ``x`` at ``tau_start`` to the schedule's end; return the clean latent.

    ``max_nfe`` (at least 2) caps the model evaluations, ``tolerance`` is ``rtol`` (``atol``
    is :data:`ATOL_SHARE` of it). ``keep`` restores what must not change (inpainting's
    outside, re-noised to the level) on every point handed to the model."""
    run = record if record is not None else AdaptiveRun()
    keep_fn: Keep = keep if keep is not None else (lambda value, _lam: value)
    lam, lam_end = levels.lam(tau_start), levels.lam(levels.tau_end)
    span = max(lam_end - lam, 1e-9)
    max_nfe = max(2, max_nfe)
    run.lambdas.append(lam)
    x0 = denoise(x, lam, 0.0)
    run.nfe += 1
    previous: tuple[Any, float] | None = None  # the last step's x0 and size
    h = span * INITIAL_SHARE
    rtol, atol = tolerance, tolerance * ATOL_SHARE
    while lam < lam_end - 1e-9:
        # the fewest-step way to the end the budget still allows is the smallest step allowed
        h_budget = (lam_end - lam) / max(1, max_nfe - run.nfe)
        forced = h <= h_budget
        h = min(max(h, h_budget), lam_end - lam)
        s = lam_end if h >= lam_end - lam else lam + h
        a_t, s_t = levels.alpha_sigma(lam)
        a_s, s_s = levels.alpha_sigma(s)
        first = (s_s / s_t) * x - (a_s * math.expm1(-h)) * x0  # DDIM
        predicted, prior = first, 0.0
        if previous is not None:  # DPM-Solver++(2M): the slope of x0 over the last step
            x0_prev, h_prev = previous
            predicted = first + (-0.5 * a_s * math.expm1(-h) * h / h_prev) * (x0 - x0_prev)
            prior = _error(predicted - first, first, rtol, atol)
            run.errors.append(prior)
            if prior > 1.0 and not forced:  # rejected before spending an evaluation
                run.rejected += 1
                h *= _factor(prior)
                continue
        predicted = keep_fn(predicted, s)
        x0_s = denoise(predicted, s, min(1.0, (s - run.lambdas[0]) / span))
        run.nfe += 1
        # the corrector: x0 linear in lambda between the two evaluations
        phi = (h + math.expm1(-h)) / h  # (h - 1 + e^-h) / h: ~h/2 for small steps
        corrected = keep_fn(first + (a_s * phi) * (x0_s - x0), s)
        posterior = _error(corrected - predicted, predicted, rtol, atol)
        run.errors.append(posterior)
        if posterior > 1.0 and not forced and run.nfe < max_nfe:
            run.rejected += 1
            h *= _factor(posterior)
            continue
        previous = (x0, h)
        lam, x, x0 = s, corrected, x0_s
        run.accepted += 1
        run.lambdas.append(lam)
        if lam >= lam_end - 1e-9:  # the noise the model saw, with the corrected point
            return x0_s + (corrected - predicted) / a_s
        h *= _factor(max(prior, posterior))
    return x0


def _factor(error: float) -> float:
    """How much the next try's step grows or shrinks for a scaled error ``error``."""
    return min(MAX_FACTOR, max(MIN_FACTOR, THETA * max(error, 1e-12) ** -0.5))


def _error(difference: Any, reference: Any, rtol: float, atol: float) -> float:
    """DPM-Solver's scaled error: RMS of ``difference`` over ``atol + rtol * |reference|``
    (numpy arrays or tensors, on whatever device they are)."""
    if isinstance(difference, np.ndarray):
        scale = atol + rtol * np.abs(reference)
        return float(np.sqrt(np.mean(np.square(difference / scale))))
    scale = atol + rtol * reference.float().abs()
    return float((difference.float() / scale).square().mean().sqrt())


def _sigmoid(value: float) -> float:
    if value >= 0:
        return 1.0 / (1.0 + math.exp(-value))
    e = math.exp(value)
    return e / (1.0 + e)
