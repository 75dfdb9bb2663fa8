"""Turn a Document into one immutable GenerationRequest (a pure function)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from f1studio.document.imaging import combine_masks, picture_of
from f1studio.document.layers import LayerKind
from f1studio.document.layout_record import global_prompt
from f1studio.document.loras import lora_specs
from f1studio.engine.request import (
    ControlKind,
    ControlSpec,
    EmbeddingSpec,
    GenerationRequest,
    InpaintSpec,
    Pixels,
    ReferenceSpec,
    RegionSpec,
)

if TYPE_CHECKING:
    from f1studio.document.document import Document


def build_request(
    doc: Document,
    *,
    model: str | None = None,
    controlnets: Mapping[ControlKind | str, str | None] | None = None,
    device: str = "auto",
    allow_pickle: bool = False,
    seed: int | None = None,
    steps: int | None = None,
    guidance: float | None = None,
    auto_steps: bool | None = None,
    embeddings: Mapping[str, str] | None = None,
    ip_adapter: str | None = None,
    inpaint_controlnet: str | None = None,
) -> GenerationRequest:
    """Build the request for ``doc``; keyword overrides win when not None. Never mutates ``doc``.

    - regions: visible region layers with a painted mask and a prompt, bottom to top
      (the engine lets upper regions win where they overlap);
    - controls: visible edge/depth guides with a painted image and weight > 0;
    - LoRAs: the switched-on ones of the settings (whole picture) and of each region;
    - references: visible reference layers set to steer (not Trace only) with weight > 0,
      each the picture inside its layer's painted bounds (and its region's mask when limited to
      one); ``ip_adapter`` the adapter they use;
    - embeddings: of ``embeddings`` (name -> file, the user's), those whose name is a word of
      the prompt, the negative prompt or a region's prompts;
    - inpaint: the union of visible, painted inpaint masks (max strength, max feather),
      with ``inpaint_controlnet`` (the model's inpaint ControlNet, if it has one);
    - init image: the visible canvas, when strength < 1 or an inpaint mask is present.

    Prompts are stripped so trailing whitespace does not change the request. While regions
    made by Layout match the prompt, the global prompt is what the layout left of it (see
    ``layout_record``). With a random seed mode the caller picks the seed and passes ``seed=``.
    """
    s = doc.settings
    nets = {ControlKind(k).value: v for k, v in (controlnets or {}).items()}
    visible = [layer for layer in doc.layers if layer.visible]

    regions = tuple(
        RegionSpec(
            mask=Pixels.of(layer.data),
            prompt=layer.prompt.strip(),
            negative_prompt=layer.negative_prompt.strip(),
            weight=float(layer.weight),
            loras=lora_specs(layer.loras),
        )
        for layer in visible
        if layer.kind is LayerKind.REGION and layer.prompt.strip() and layer.data.any()
    )

    controls = tuple(
        ControlSpec(
            kind=ControlKind(layer.kind.value),
            image=Pixels.of(layer.data),
            model=nets.get(layer.kind.value) or s.models.controlnet_for(layer.kind.value),
            weight=float(layer.weight),
            start=float(layer.start),
            end=float(layer.end),
            curve=tuple(float(c) for c in layer.curve) if layer.curve else None,
            mask=_guide_region(doc, layer.region),
            balance=float(layer.balance),
        )
        for layer in visible
        if layer.kind.is_control and layer.weight > 0 and layer.data.any()
    )

    masks = [layer for layer in visible if layer.kind is LayerKind.INPAINT and layer.data.any()]
    inpaint = (
        InpaintSpec(
            mask=Pixels.of(combine_masks(layer.data for layer in masks)),
            strength=max(float(layer.strength) for layer in masks),
            feather=max(int(layer.feather) for layer in masks),
            controlnet=inpaint_controlnet,
        )
        if masks
        else None
    )

    references = tuple(
        ReferenceSpec(
            Pixels.of(picture_of(layer.data)),
            layer.use,
            float(layer.weight),
            float(layer.start),
            float(layer.end),
            _guide_region(doc, layer.region),
        )
        for layer in visible
        if layer.kind is LayerKind.REFERENCE
        and layer.use != "trace"
        and layer.weight > 0
        and layer.data[:, :, 3].any()
    )
    strength = float(s.strength)
    init = Pixels.of(doc.visible_canvas()) if strength < 1.0 or inpaint is not None else None
    return GenerationRequest(
        prompt=global_prompt(doc.prompt, [layer for layer in visible if layer.data.any()]),
        width=doc.width,
        height=doc.height,
        negative_prompt=doc.negative_prompt.strip(),
        model=model or s.models.base,
        scheduler=s.scheduler,
        steps=int(steps if steps is not None else s.steps),
        auto_steps=bool(auto_steps if auto_steps is not None else s.auto_steps),
        guidance_scale=float(guidance if guidance is not None else s.guidance_scale),
        seed=int(seed if seed is not None else s.seed),
        strength=strength,
        batch_count=int(s.batch_count),
        init_image=init,
        regions=regions,
        controls=controls,
        inpaint=inpaint,
        device=device,
        allow_pickle=bool(allow_pickle),
        loras=lora_specs(s.loras),
        references=references,
        ip_adapter=ip_adapter if references else None,
        embeddings=_named_embeddings(
            embeddings or {},
            [
                doc.prompt,
                doc.negative_prompt,
                *(t for r in regions for t in (r.prompt, r.negative_prompt)),
            ],
        ),
    )


def _named_embeddings(embeddings: Mapping[str, str], texts: list[str]) -> tuple[EmbeddingSpec, ...]:
    words = {w for text in texts for w in re.findall(r"[\w.\-]+", text)}
    return tuple(
        EmbeddingSpec(path, name) for name, path in sorted(embeddings.items()) if name in words
    )


def _guide_region(doc: Document, region_id: str) -> Pixels | None:
    """The mask a guide is limited to: its region layer's (shown or hidden), None when the
    guide has none or the region layer is gone."""
    if not region_id:
        return None
    for layer in doc.layers:
        if layer.id == region_id and layer.kind is LayerKind.REGION:
            return Pixels.of(layer.data)
    return None
