"""The error-controlled adaptive sampler (scheduler ``"adaptive"``).

It integrates the model's probability-flow ODE with DPM-Solver++(2M) in data prediction over
the half-log-SNR ``lambda = log(alpha / sigma)`` (Lu et al., "DPM-Solver" and "DPM-Solver++")
and chooses every step from an estimate of its local error, as DPM-Solver-12 does: the first-
order (DDIM) and second-order (2M) updates of the same step are compared, the step is accepted
when their scaled difference ``E = rms(diff / (atol + rtol |x|))`` is at most 1, and the next
step is ``h * clip(theta * E ** (-1 / 2))``. Both updates come from evaluations already made, so
a rejected try costs no model evaluation: every evaluation is an accepted point.

Step sizes are measured in the schedule's time (the share of the training timesteps), not in
``lambda``: the model's own fixed-step schedules are even in time ("trailing" spacing), and on
the demo model that spacing beats even-in-``lambda`` or Karras spacing by far (its layout is
decided at high noise, where ``lambda`` steps are long). The run ends like a fixed DPM-Solver++
run, with the last evaluation's clean prediction (the step to zero noise), once the estimated
error of that last step (the clean prediction's change since the previous point, carried on to
the end) is within the tolerance. The first step cannot be checked (there is no earlier
evaluation to compare with), so it is short: a long first step from pure noise left a bias that
no tolerance removed (with a first step a tenth of the run, pictures stayed 0.009 from the
converged one; with a fiftieth, 0.001). Measured on the demo model, a corrector (UniPC-style)
and third-order updates made pictures worse, so neither is used
(``docs/eval/adaptive-sampler.md``).

Busy pictures change their predicted clean image faster, so they take smaller steps and more
evaluations than simple ones. The request's ``steps`` caps the evaluations: once the budget
left only just covers the rest of the way in even steps, steps stop shrinking.

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
#: The first step (unchecked: see the module) spans this share of the run's time.
INITIAL_SHARE = 0.02
#: The lowest half-log-SNR: alpha^2 = 2^-24 as diffusers clamps zero-terminal-SNR schedules;
#: pure noise (alpha = 0) counts as this level.
LAMBDA_FLOOR = 0.5 * math.log(2.0**-24)
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
    return NoiseLevels(taus, lambdas, s * 1000.0, flow=True)


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
    taus: list[float] = field(default_factory=list)  # evaluated points, the start first
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
    """Integrate from ``x`` at ``tau_start`` to the end; return the clean latent.

    ``max_nfe`` (at least 1) caps the model evaluations, ``tolerance`` is ``rtol`` (``atol``
    is :data:`ATOL_SHARE` of it). ``keep`` restores what must not change (inpainting's
    outside, re-noised to the level) on every point handed to the model."""
    run = record if record is not None else AdaptiveRun()
    keep_fn: Keep = keep if keep is not None else (lambda value, _lam: value)
    tau = tau_start
    lam = levels.lam(tau)
    run.taus.append(tau)
    x0 = denoise(x, lam, 0.0)
    run.nfe += 1
    previous: tuple[Any, float, float] | None = None  # the last point's x0, tau and lambda
    h = tau_start * INITIAL_SHARE  # in time (tau)
    rtol, atol = tolerance, tolerance * ATOL_SHARE
    while run.nfe < max_nfe:
        if previous is not None:  # the last step, to zero noise: x0's change carried on
            x0_prev, tau_prev, _ = previous
            last = _error(0.5 * (x0 - x0_prev) * (tau / (tau_prev - tau)), x0, rtol, atol)
            run.errors.append(last)
            if last <= 1.0:
                break
        # the fewest-step way to the end the budget still allows is the smallest step allowed
        h_budget = tau / (max_nfe - run.nfe + 1)
        forced = h <= h_budget
        h = min(max(h, h_budget), tau * (1.0 - 1e-6))
        s_tau = tau - h
        s = levels.lam(s_tau)
        h_lam = s - lam
        _, sigma_t = levels.alpha_sigma(lam)
        alpha_s, sigma_s = levels.alpha_sigma(s)
        step = (sigma_s / sigma_t) * x - (alpha_s * math.expm1(-h_lam)) * x0  # DDIM
        error = 0.0
        if previous is not None:  # DPM-Solver++(2M): the slope of x0 over the last step
            x0_prev, _, lam_prev = previous
            slope = -0.5 * alpha_s * math.expm1(-h_lam) * h_lam / (lam - lam_prev)
            correction = slope * (x0 - x0_prev)
            error = _error(correction, step, rtol, atol)
            run.errors.append(error)
            if error > 1.0 and not forced:  # rejected before spending an evaluation
                run.rejected += 1
                h *= _factor(error)
                continue
            step = step + correction
        x = keep_fn(step, s)
        previous = (x0, tau, lam)
        tau, lam = s_tau, s
        x0 = denoise(x, lam, min(1.0, 1.0 - tau / tau_start))
        run.nfe += 1
        run.accepted += 1
        run.taus.append(tau)
        h *= _factor(error) if error > 0 else MAX_FACTOR
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
