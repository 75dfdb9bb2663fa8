"""The one object that crosses from the document to the engine.

Everything here is plain data: frozen dataclasses, strings, numbers and :class:`Pixels`
(an immutable image buffer). No torch, no Qt. A request is complete (the engine needs
nothing else to render it), comparable by equality (live mode re-runs only when it
changes) and serialisable to JSON plus a set of named image arrays.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, fields, replace
from enum import Enum
from typing import Any, NamedTuple

import numpy as np

# Names work on every family: on flow-matching models (FLUX.1) "dpmpp-2m" is DPM-Solver++ with
# flow sigmas and "euler" the model's own FlowMatch Euler; "flow-euler" names that one explicitly.
# "lcm", "tcd" and "euler-trailing" are the few-step samplers of LCM-LoRA, Hyper-SD/TCD and
# SDXL-Lightning-style LoRAs and models (Stable Diffusion only).
SCHEDULERS = (
    "dpmpp-2m", "dpmpp-2m-karras", "euler", "euler-a", "ddim", "flow-euler",
    "lcm", "tcd", "euler-trailing", "adaptive",
)  # fmt: skip
# Human names, as AUTOMATIC1111 writes them in PNG parameters.
SCHEDULER_LABELS = {
    "dpmpp-2m": "DPM++ 2M",
    "dpmpp-2m-karras": "DPM++ 2M Karras",
    "euler": "Euler",
    "euler-a": "Euler a",
    "ddim": "DDIM",
    "flow-euler": "Flow Euler",
    "lcm": "LCM",
    "tcd": "TCD",
    "euler-trailing": "Euler Trailing",
    "adaptive": "DPM adaptive",
}
DEFAULT_SCHEDULER = "dpmpp-2m"
# The error-controlled adaptive sampler (engine/adaptive_sampler.py): ``steps`` caps its model
# evaluations and ``adaptive_tolerance`` (its relative tolerance on the latents) sets how many
# it takes.
ADAPTIVE_SCHEDULER = "adaptive"
DEFAULT_ADAPTIVE_TOLERANCE = 0.05
# DPM-Solver++ in diffusers breaks down close to the 1000 training timesteps (NaN at 999,
# an index error at 1000); nobody needs more than a few hundred steps.
MAX_STEPS = 500


@dataclass(frozen=True, eq=False)
class Pixels:
    """An immutable image buffer: shape, dtype and raw bytes.

    Equality and hashing use the content, so two requests built from identical layers compare
    equal. ``array()`` returns a read-only numpy view without copying.
    """

    shape: tuple[int, ...]
    dtype: str
    data: bytes = field(repr=False)

    @classmethod
    def of(cls, array: np.ndarray) -> Pixels:
        arr = np.ascontiguousarray(array)
        return cls(tuple(int(s) for s in arr.shape), arr.dtype.str, arr.tobytes())

    def array(self) -> np.ndarray:
        arr = np.frombuffer(self.data, dtype=np.dtype(self.dtype)).reshape(self.shape)
        return arr  # frombuffer over bytes is read-only

    @property
    def height(self) -> int:
        return self.shape[0]

    @property
    def width(self) -> int:
        return self.shape[1]

    def digest(self) -> str:
        h = hashlib.sha256()
        h.update(repr((self.shape, self.dtype)).encode())
        h.update(self.data)
        return h.hexdigest()[:16]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Pixels):
            return NotImplemented
        return self.shape == other.shape and self.dtype == other.dtype and self.data == other.data

    def __hash__(self) -> int:
        return hash((self.shape, self.dtype, self.digest()))


class ControlDeclaration(NamedTuple):
    """What a control kind is, declared once (see :class:`ControlKind`)."""

    value: str  # its name in requests, layers, projects and settings
    label: str  # the guide's name in the window and the command line
    union_mode: int  # its condition in FLUX union ControlNets (InstantX/Shakker: 0 canny, 2 depth)
    extractor: str  # the ``engine.guides`` extractor that makes the guide from a picture
    picture_name: str  # the name of a guide made from a picture; ``{name}``: the picture's
    example_model: str  # a ControlNet for it, shown as a hint where models are chosen


class ControlKind(str, Enum):
    """A guide that drives a ControlNet. Each member is the kind's whole declaration: layers,
    model settings and choosers, guide extraction and FLUX union ControlNets all read it here,
    so a new kind is one member below (plus its extractor in ``engine.guides``, if new)."""

    _value_: str
    label: str
    union_mode: int
    extractor: str
    picture_name: str
    example_model: str

    def __new__(cls, *declared: Any) -> ControlKind:
        declaration = ControlDeclaration(*declared)
        member = str.__new__(cls, declaration.value)
        member._value_ = declaration.value
        member.label = declaration.label
        member.union_mode = declaration.union_mode
        member.extractor = declaration.extractor
        member.picture_name = declaration.picture_name
        member.example_model = declaration.example_model
        return member

    EDGE = ControlDeclaration(
        "edge",
        label="Edge guide",
        union_mode=0,
        extractor="canny",
        picture_name="Edges of {name}",
        example_model="lllyasviel/control_v11p_sd15_canny",
    )
    DEPTH = ControlDeclaration(
        "depth",
        label="Depth guide",
        union_mode=2,
        extractor="depth-estimator",
        picture_name="Depth of {name}",
        example_model="lllyasviel/control_v11f1p_sd15_depth",
    )

    @property
    def settings_key(self) -> str:
        """The name of its ControlNet's model slot (``edge_controlnet``): the key older
        settings files and projects used, the ``f1studio config`` and Models dialog name."""
        return f"{self.value}_controlnet"


LORA_WEIGHT = 2.0  # LoRA weights are -LORA_WEIGHT..LORA_WEIGHT


@dataclass(frozen=True)
class LoraSpec:
    """A LoRA file applied with ``weight`` (on the whole picture, or in a region when it is
    listed on a :class:`RegionSpec`). ``path`` is a ``.safetensors`` file (pickled forms only
    with ``allow_pickle``) in any of the forms diffusers reads: diffusers/PEFT, kohya and
    AUTOMATIC1111, ComfyUI."""

    path: str
    weight: float = 1.0

    @property
    def name(self) -> str:
        """The file's name without its suffix, as AUTOMATIC1111 writes ``<lora:name:w>``."""
        base = self.path.replace("\\", "/").rsplit("/", 1)[-1]
        return base.rsplit(".", 1)[0] if "." in base else base


@dataclass(frozen=True)
class EmbeddingSpec:
    """A textual-inversion embedding (a ``.safetensors`` file) that the word ``token`` calls up
    in any prompt of the request, as AUTOMATIC1111 users write them (the file's name)."""

    path: str
    token: str


#: what a reference picture steers: the look, the content, or the layout (IP-Adapter)
REFERENCE_USES = ("style", "subject", "composition")


@dataclass(frozen=True)
class ReferenceSpec:
    """A reference picture that steers the render through the IP-Adapter (``image``: RGB or
    RGBA, any size). ``use`` picks the UNet blocks it reaches: ``subject`` all of them,
    ``style`` the decoder (up) blocks, ``composition`` the encoder (down) blocks. ``weight`` is
    the adapter's scale (0..2), active between the fractions ``start`` and ``end`` of the
    steps, by the ControlNets' rule. With ``mask`` it steers only that region's pixels."""

    image: Pixels
    use: str = "subject"
    weight: float = 1.0
    start: float = 0.0
    end: float = 1.0
    mask: Pixels | None = None  # uint8 HxW at canvas size: the reference steers only inside

    def scale_at(self, step: int, total: int) -> float:
        if total <= 0 or step / total < self.start or (step + 1) / total > self.end:
            return 0.0
        return self.weight


@dataclass(frozen=True)
class RegionSpec:
    """A painted region with its own prompt.

    ``mask`` is uint8 HxW (255 = inside) at canvas size. ``weight`` mixes the region's text
    against the global text inside the mask: 1 = only the region's text, 0 = only the global
    prompt, above 1 pushes further toward the region's text.
    """

    mask: Pixels
    prompt: str
    negative_prompt: str = ""
    weight: float = 1.0
    loras: tuple[LoraSpec, ...] = ()  # act only inside the mask (and on this region's text)


@dataclass(frozen=True)
class ControlSpec:
    """A guide image for one ControlNet with its schedule.

    ``image`` is uint8 HxW at canvas size (edges: white lines on black; depth: white = near).
    ``start`` and ``end`` are fractions of the denoising steps in which the ControlNet acts.
    ``curve`` optionally scales the weight over the active steps (values are sampled linearly
    from the first active step to the last); ``None`` means constant.
    """

    kind: ControlKind
    image: Pixels
    model: str | None = None
    weight: float = 1.0
    start: float = 0.0
    end: float = 1.0
    curve: tuple[float, ...] | None = None
    control_mode: int | None = None  # for union ControlNets: which condition this image is
    #: limit to a region: uint8 HxW, 255 where the guide acts (its residuals are weighted by
    #: the mask at each resolution); None: the whole canvas
    mask: Pixels | None = None
    #: -1 "prompt is more important" · 0 balanced · 1 "guide is more important" (AUTOMATIC1111's
    #: control modes at -1/0/1, graded in between; see ``residual_scales``)
    balance: float = 0.0

    def residual_scales(self, count: int) -> tuple[list[float], float]:
        """Multipliers of the ``count`` residuals (the down blocks' then the middle block's)
        and of the unconditional half of the batch, for :attr:`balance`.

        Away from balanced, the residuals fade toward the high-resolution end: residual ``i``
        of ``count`` is scaled by ``base ** (count - 1 - i)`` with ``base = 1 - 0.175 *
        |balance|`` (0.825 at ±1, AUTOMATIC1111's "soft injection"); toward the guide, the
        unconditional half also gets ``1 - balance`` of the residuals (none at 1: the guide
        then pulls with the prompt's guidance, AUTOMATIC1111's "cfg injection"). A step
        without an unconditional half (guidance 1) leaves a guide leaning toward itself at
        its weight instead (``unet_parts.Control.weighted``)."""
        amount = abs(self.balance)
        base = 1.0 - 0.175 * amount
        scales = [base ** (count - 1 - i) for i in range(count)]
        return scales, 1.0 - max(0.0, self.balance)

    def scale_at(self, step: int, total: int) -> float:
        """Conditioning scale at step ``step`` of ``total`` (the same rule as diffusers).

        A step is active unless ``step/total < start`` or ``(step+1)/total > end``.
        """
        if total <= 0:
            return 0.0
        if step / total < self.start or (step + 1) / total > self.end:
            return 0.0
        if not self.curve:
            return self.weight
        first = int(np.ceil(self.start * total - 1e-9))
        last = max(first, int(np.floor(self.end * total + 1e-9)) - 1)
        t = 0.0 if last == first else (step - first) / (last - first)
        xs = np.linspace(0.0, 1.0, len(self.curve))
        return float(self.weight * np.interp(t, xs, self.curve))


@dataclass(frozen=True)
class InpaintSpec:
    """Regenerate only under ``mask`` (uint8 HxW, 255 = regenerate).

    ``strength`` is the denoising strength under the mask (1 = from pure noise). ``feather``
    softens the mask edge by that many pixels, inward, so pixels outside the painted mask
    are never touched. ``controlnet`` is an inpaint ControlNet (ControlNet 1.1's
    ``control_v11p_sd15_inpaint``, the demo model's own): it sees the canvas with the
    painted part blanked and helps the model fill the hole to fit what surrounds it.
    """

    mask: Pixels
    strength: float = 1.0
    feather: int = 8
    controlnet: str | None = None


@dataclass(frozen=True)
class GenerationRequest:
    """Everything the engine needs to render one job."""

    prompt: str
    width: int = 512
    height: int = 512
    negative_prompt: str = ""
    model: str | None = None
    scheduler: str = DEFAULT_SCHEDULER
    steps: int = 25
    guidance_scale: float = 7.5
    seed: int = 0
    # steps: auto — ``steps`` is the most to take; the engine stops once the picture settles
    auto_steps: bool = False
    # the adaptive sampler's tolerance (smaller: more model evaluations, closer to the exact path)
    adaptive_tolerance: float = DEFAULT_ADAPTIVE_TOLERANCE
    strength: float = 1.0
    batch_count: int = 1
    init_image: Pixels | None = None
    # per-pixel denoising strength, uint8 HxW at canvas size (255 = 1, re-made from noise):
    # each pixel follows the init image, noised to each step's level, through the steps
    # img2img at its own strength would skip (differential diffusion). Live mode's partly
    # painted canvas: the unpainted pixels drawn from the prompt, the painted ones re-made at
    # the live strength. Needs the init image and ``strength`` 1; not with an inpaint mask.
    strength_map: Pixels | None = None
    # an inpaint ControlNet (as :class:`InpaintSpec`'s) shown the canvas with the pixels the
    # map re-makes fully (255) blanked: what is drawn there then fits the paint beside it,
    # and the paint keeps its place (SD1.5 models)
    strength_map_controlnet: str | None = None
    regions: tuple[RegionSpec, ...] = ()
    controls: tuple[ControlSpec, ...] = ()
    inpaint: InpaintSpec | None = None
    device: str = "auto"
    allow_pickle: bool = False
    # a tiny VAE (diffusers' AutoencoderTiny: a folder, a .safetensors file or a hub id) that
    # decodes the step previews; with ``fast_decode`` it decodes the final picture too (live)
    tiny_vae: str | None = None
    fast_decode: bool = False
    loras: tuple[LoraSpec, ...] = ()  # on the whole picture
    embeddings: tuple[EmbeddingSpec, ...] = ()
    references: tuple[ReferenceSpec, ...] = ()
    # the IP-Adapter the references use: a folder with the adapter's ``.safetensors`` and its
    # ``image_encoder/`` (or a ``.safetensors`` file beside such a folder)
    ip_adapter: str | None = None

    def __post_init__(self) -> None:
        problems = self.problems()
        if problems:
            raise ValueError("; ".join(problems))

    def problems(self) -> list[str]:
        out: list[str] = []
        if (
            self.width % 8
            or self.height % 8
            or not (64 <= self.width <= 2048)
            or not (64 <= self.height <= 2048)
        ):
            out.append(f"size {self.width}x{self.height} must be multiples of 8 within 64..2048")
        if self.scheduler not in SCHEDULERS:
            out.append(
                f"unknown scheduler {self.scheduler!r} (choose from {', '.join(SCHEDULERS)})"
            )
        if not (1 <= self.steps <= MAX_STEPS):
            out.append(f"steps must be 1..{MAX_STEPS}, not {self.steps}")
        if not (0.0 < self.adaptive_tolerance <= 1.0):
            out.append(f"adaptive tolerance must be in (0, 1], not {self.adaptive_tolerance}")
        if not (0.0 <= self.strength <= 1.0):
            out.append(f"denoise strength must be 0..1, not {self.strength}")
        if self.batch_count < 1:
            out.append("batch count must be at least 1")
        if (self.strength < 1.0 or self.inpaint is not None) and self.init_image is None:
            out.append("img2img and inpaint need an init image (the visible canvas)")
        if self.strength_map is not None:
            if self.init_image is None:
                out.append("a strength map needs an init image (the visible canvas)")
            if self.strength < 1.0 or self.inpaint is not None:
                out.append("a strength map sets each pixel's strength: use strength 1, no inpaint")
            if len(self.strength_map.shape) != 2:
                out.append("a strength map is one grey channel")
        elif self.strength_map_controlnet is not None:
            out.append("a strength map's ControlNet needs a strength map")
        size = (self.height, self.width)
        images: list[tuple[str, Pixels | None]] = [("init image", self.init_image)]
        images.append(("strength map", self.strength_map))
        images += [(f"region {i + 1} mask", r.mask) for i, r in enumerate(self.regions)]
        images += [(f"{c.kind.value} guide", c.image) for c in self.controls]
        images += [(f"{c.kind.value} guide's region", c.mask) for c in self.controls]
        images += [("a reference's region", r.mask) for r in self.references]
        images.append(("inpaint mask", self.inpaint.mask if self.inpaint else None))
        for name, px in images:
            if px is not None and px.shape[:2] != size:
                out.append(
                    f"{name} is {px.shape[1]}x{px.shape[0]}, canvas is {self.width}x{self.height}"
                )
        for c in self.controls:
            if not (0.0 <= c.start < c.end <= 1.0):
                out.append(f"{c.kind.value} guide range must satisfy 0 <= start < end <= 1")
            if not -1.0 <= c.balance <= 1.0:
                out.append(f"{c.kind.value} guide balance must be -1..1, not {c.balance}")
        every = [*self.loras, *(lora for r in self.regions for lora in r.loras)]
        for lora in every:
            if not -LORA_WEIGHT <= lora.weight <= LORA_WEIGHT:
                out.append(
                    f"LoRA {lora.name} weight must be -{LORA_WEIGHT:g}..{LORA_WEIGHT:g}, "
                    f"not {lora.weight:g}"
                )
        for ref in self.references:
            if ref.use not in REFERENCE_USES:
                out.append(f"a reference is used for {', '.join(REFERENCE_USES)}, not {ref.use!r}")
            if not 0.0 <= ref.weight <= 2.0:
                out.append(f"a reference's weight must be 0..2, not {ref.weight}")
            if not (0.0 <= ref.start < ref.end <= 1.0):
                out.append("a reference's range must satisfy 0 <= start < end <= 1")
        if any(r.weight > 0 for r in self.references) and not self.ip_adapter:
            out.append(
                "reference pictures need an IP-Adapter: choose one for this model's family "
                "(Model ▸ Choose models…, or --ip-adapter PATH)"
            )
        for embedding in self.embeddings:
            if not embedding.token or any(c.isspace() for c in embedding.token):
                out.append(f"embedding token must be one word, not {embedding.token!r}")
        if self.fast_decode and not self.tiny_vae:
            out.append("fast decode needs a tiny VAE (choose one for this model's family)")
        return out

    @property
    def is_img2img(self) -> bool:
        return self.strength < 1.0 and self.inpaint is None

    # ---- step bookkeeping: the one place for the denoise and img2img-window rules ------------
    @property
    def denoise(self) -> float:
        """How much of the picture is re-made: the inpaint mask's strength when there is one,
        else the denoise strength (1 = from noise)."""
        return self.inpaint.strength if self.inpaint is not None else self.strength

    @property
    def starts_from_init(self) -> bool:
        """The first step starts from the noised init image rather than from pure noise."""
        return self.init_image is not None and self.denoise < 1.0

    def skipped_steps(self, flow_matching: bool = False) -> int:
        """Steps of the schedule skipped at its start (the img2img window), by the rule of the
        diffusers pipelines the family follows: the UNet pipelines run ``int(steps * denoise)``
        steps, the FLUX.1 pipelines ``steps - int(steps - steps * denoise)`` (one more when
        ``steps * denoise`` has a fraction)."""
        if not self.starts_from_init:
            return 0
        if flow_matching:
            return int(max(self.steps - min(self.steps * self.denoise, self.steps), 0))
        return max(self.steps - min(int(self.steps * self.denoise), self.steps), 0)

    def steps_per_image(self, flow_matching: bool = False) -> int:
        """Denoising steps one image takes (0 when the strength is too low to denoise any)."""
        return self.steps - self.skipped_steps(flow_matching)

    @property
    def seeds(self) -> tuple[int, ...]:
        return tuple(self.seed + i for i in range(self.batch_count))

    def with_changes(self, **changes: Any) -> GenerationRequest:
        return replace(self, **changes)

    # ---- serialisation -------------------------------------------------------------------
    def to_json(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """Return (JSON-safe dict, images by name). Images are referenced by name in the dict."""
        images: dict[str, np.ndarray] = {}

        def enc(value: Any, name: str) -> Any:
            if isinstance(value, Pixels):
                images[name] = value.array()
                return {"$image": name}
            if isinstance(value, Enum):
                return value.value
            if isinstance(value, tuple):
                return [enc(v, f"{name}.{i}") for i, v in enumerate(value)]
            if hasattr(value, "__dataclass_fields__"):
                return {
                    f.name: enc(getattr(value, f.name), f"{name}.{f.name}") for f in fields(value)
                }
            return value

        return enc(self, "request"), images

    def to_json_text(self) -> str:
        """The request as JSON text, images replaced by their content digest (for metadata)."""
        data, _ = self.to_json()

        def strip(v: Any) -> Any:
            if isinstance(v, dict):
                if "$image" in v:
                    return {"$image": v["$image"]}
                return {k: strip(x) for k, x in v.items()}
            if isinstance(v, list):
                return [strip(x) for x in v]
            return v

        return json.dumps(strip(data), sort_keys=True)

    @classmethod
    def from_json(cls, data: dict[str, Any], images: dict[str, np.ndarray]) -> GenerationRequest:
        def px(v: Any) -> Pixels | None:
            if v is None:
                return None
            return Pixels.of(images[v["$image"]])

        d = dict(data)
        d["init_image"] = px(d.get("init_image"))
        d["strength_map"] = px(d.get("strength_map"))

        def loras(items: Any) -> tuple[LoraSpec, ...]:
            return tuple(LoraSpec(**lora) for lora in items or ())

        d["loras"] = loras(d.get("loras"))
        d["embeddings"] = tuple(EmbeddingSpec(**e) for e in d.get("embeddings") or ())
        d["references"] = tuple(
            ReferenceSpec(**{**r, "image": px(r["image"]), "mask": px(r.get("mask"))})
            for r in d.get("references") or ()
        )
        d["regions"] = tuple(
            RegionSpec(**{**r, "mask": px(r["mask"]), "loras": loras(r.get("loras"))})
            for r in d.get("regions", [])
        )
        d["controls"] = tuple(
            ControlSpec(
                **{
                    **c,
                    "kind": ControlKind(c["kind"]),
                    "image": px(c["image"]),
                    "mask": px(c.get("mask")),
                    "curve": tuple(c["curve"]) if c.get("curve") else None,
                }
            )
            for c in d.get("controls", [])
        )
        ip = d.get("inpaint")
        d["inpaint"] = InpaintSpec(**{**ip, "mask": px(ip["mask"])}) if ip else None
        return cls(**d)
