"""The settings of a shapes-world training run: the full run and a seconds-long ``--quick`` one."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from f1studio.demo.architecture import UNET_VARIANT


@dataclass(frozen=True)
class TrainSettings:
    seed: int = 1234
    threads: int = 2
    # bfloat16 autocast for the UNet and ControlNet stages' forward passes (torch.autocast on
    # the CPU; weights, optimizer and loss stay fp32; the autoencoder stage is always fp32).
    # The 2-core CPU here has AVX-512 BF16. Measured on the shipped model (2026-12-06, 50
    # held-out cases, docs/eval/controlnet-tails.md): a low-noise UNet cycle of 600 steps 8.0
    # min against 9.3 in fp32, adherence 38% · kind 60% · position 85% against 38 · 60 · 86; an
    # edge ControlNet tail of 1500 steps 0.29 s a step against 0.35, hand-drawn edge F1 0.740
    # against 0.747. From scratch (2026-12-06, 2000 UNet steps, no phases, 50 held-out
    # captions, docs/eval/demo-ablation.md) fp32 scored higher on every prompt figure
    # (adherence 16 vs 10%, kind 32 vs 27%, position 42 vs 35%), each within about 1.5
    # standard errors but all one way; and for the recipe's narrower UNet (unet_variant) bf16
    # saves only about 10% a step (0.273 against 0.302 s; ControlNet 0.177 against 0.195). So
    # the recipe trains in fp32, as every shipped stage was; ablations and tails may ask for
    # bf16.
    bf16_autocast: bool = False
    # Autoencoder: random 64x64 crops, then a short phase on whole 128x128 images. Besides
    # the pixels (L1 + L2) it matches the pictures' gradients (L1 of neighbour differences,
    # times ``vae_edge_weight``), which keeps the outlines sharp.
    vae_steps: int = 3000
    vae_full_steps: int = 200
    vae_batch: int = 16
    vae_lr: float = 1e-3
    vae_kl_weight: float = 1e-6
    vae_edge_weight: float = 1.0
    # Then the decoder alone (the encoder frozen, so latents do not change) on whole
    # pictures, with the outlines weighted more.
    decoder_steps: int = 1500
    decoder_batch: int = 8
    decoder_lr: float = 3e-4
    decoder_edge_weight: float = 3.0
    # ... and the pixels within a pixel of an outline, or within 4 px of the picture's edge,
    # count 1 + ``decoder_band_weight`` times in the pixel loss, so an outline between two
    # colours of similar brightness (orange on yellow) is not blurred for the sake of the flat
    # areas that make up most of a picture. Continuing the shipped decoder 1500 steps at lr
    # 1e-4 (2026-12-05, 50 held-out scenes): round-trip edge F1 0.936 -> 0.943 with weight 0,
    # 0.950 with 4 and 0.955 with 10 (outlines only), 0.955 with 10 and the picture's edge,
    # which also makes the speck the decoder leaves near the bottom-left corner fainter (at
    # worst 95 -> 70 of 255 on a flat white picture; it is not gone).
    decoder_band_weight: float = 10.0
    # ... and each picture's ``peak_pixels`` worst pixels once more, times this weight, meant
    # to remove that speck. It does not: continuing the shipped decoder 1500 steps at lr 1e-4
    # with weight 0.2 (2026-12-05, fp32, 50 held-out scenes) left it at 66 of 255 on white
    # (70 before) while round-trip edge F1 rose 0.955 -> 0.964 (worst case 0.747 -> 0.862)
    # and the mean pixel error 3.31 -> 3.77 of 255: the worst pixels are on the outlines. Off.
    decoder_peak_weight: float = 0.0
    peak_pixels: int = 16
    # UNet + text encoder on pre-encoded latents of ``scenes`` training scenes.
    scenes: int = 20000
    # The text encoder first learns alone to read captions back (see train_text), then
    # trains on with the UNet at ``text_lr_factor`` of the UNet's rate.
    text_steps: int = 1500
    text_batch: int = 64
    text_lr: float = 1e-3
    text_lr_factor: float = 0.2
    # A share of each UNet batch is drawn from the noisiest timesteps (t >= high_noise_from),
    # where the picture's layout is decided and the caption is all the UNet has to go on.
    high_noise_share: float = 0.25
    high_noise_from: int = 700
    # The UNet stage's uniformly drawn timesteps move to where the signal-to-noise ratio is
    # this many times theirs (train_loop.shifted_timesteps; 1: as drawn). The high-noise
    # share is drawn as before and the low-noise cycles are not shifted; the scheduler and
    # samplers are unchanged. The scheduler's schedule was made for 64x64 latents, and the
    # usual resolution shift for a latent a quarter as wide would train more at low noise (at
    # 4, half of the draws fall below t 303). From scratch, 1500 UNet steps, held-out captions
    # 50-249 (2026-12-07, fifth session, docs/eval/kind-probes.md): at 4 adherence 10 -> 2%,
    # kind 26 -> 19%, position 24 -> 11%; the other way, at 0.5 (more noise: t 500 -> 590,
    # 200 -> 290) 14%, 31%, 32%, better on every figure (colour 59 -> 60%, size word 43 ->
    # 44%). Not yet tried over a full run, so the recipe stays at 1.
    timestep_shift: float = 1.0
    # Training timesteps are drawn below this (the full run: all 1000; see low_noise_ceiling).
    max_timestep: int = 1000
    # The UNet's layout, a key of f1studio.demo.architecture.UNET_VARIANTS.
    unet_variant: str = UNET_VARIANT
    # Pixels per latent pixel across (architecture.LATENT_FACTORS): 8, a 16x16 latent, as
    # shipped; 4, a 32x32 latent from a three-level autoencoder, where a medium shape spans 8
    # latent pixels instead of 4 (meant with ``unet_variant`` "outer32"; a training step
    # about 10% dearer). Trained in full through the UNet stage (2026-12-07,
    # docs/eval/kind-probes.md): much sharper (autoencoder edge F1 0.955 -> 0.974, one-step
    # denoise from t 500 0.57 -> 0.79) but no better kinds (held-out captions 50-249: kind
    # 55.7 -> 53.4%, adherence 30 -> 26%), so 8 stays.
    latent_factor: int = 8
    unet_steps: int = 6000
    unet_batch: int = 32
    unet_lr: float = 4e-4
    # The UNet's loss counts each latent pixel that an outline crosses (a shape's edge or the
    # background's split, as the picture shows them) 1 + ``outline_weight`` times, so the
    # few latent pixels that say a shape's kind (corners, straight sides) are not outweighed
    # by the flat areas that fill most of a picture (about 22% of a scene's latent pixels
    # hold an outline). 0: every latent pixel counts alike. Measured at 3 (2026-12-06, 50
    # held-out captions, docs/eval/demo-ablation.md): from scratch (the half-width UNet, 4600
    # steps) adherence 24 -> 26%, kind 41 -> 44%, position 65 -> 68%, but colour 77 -> 73% and
    # the size word 60 -> 44%; as a third low-noise round on the shipped UNet, kind 57 -> 58%
    # against the same round without it. No gain on kinds worth the lost sizes: off.
    outline_weight: float = 0.0
    caption_dropout: float = 0.1
    min_snr_gamma: float = 5.0
    ema_decay: float = 0.999
    # Then the UNet goes on with a second, lower cosine cycle in which every other batch is
    # seen through the engine's regional attention (each shape's pixels read a caption of
    # that shape alone), so region layers steer the demo model as they do large models.
    region_steps: int = 500
    region_lr: float = 2e-4
    region_every: int = 2
    # A share of those region batches reads the scene as the window's Layout writes it (the
    # background clause as the global prompt, a box per shape asking for its phrase), so that
    # Layout helps this model instead of confusing it: on the model trained without them,
    # Layout cut whole-caption adherence from 42% (the prompt alone) to 14% (2026-12-04).
    region_layout: float = 0.5
    # Then a third cycle as low as the region phase's, ``grounding_steps`` long, in which the
    # region batches go on (every ``region_every``-th) and the plain ones carry the grounding
    # term (f1studio.demo.train_grounding) at ``grounding_weight``: each shape phrase's
    # cross-attention should fall inside that shape. With ``grounding_steps`` 0 the term, at a
    # weight above 0, counts on every plain batch of the stage instead.
    # - All along, from scratch: 2000 UNet steps, 50 held-out captions
    #   (benchmarks/demo_recipe_ablation.py, 2026-12-05): 0 gave adherence 14%, kind 38%,
    #   position 43%; 0.1 gave 28%, 51%, 76%, about 10% more time a step. But the full run
    #   with 0.1 all along (docs/eval/grounding-full-run.md) lost on guides and regions:
    #   hand-drawn edge F1 0.714 -> 0.556, region colour 75% -> 59%.
    # - As this last phase, 600 steps on the shipped UNet (benchmarks/demo_grounding_finetune.py
    #   --region-every 2, 2026-12-05, 50 cases, docs/eval/grounding-phase.md): region colour
    #   75% -> 86% and kind 61% -> 73%, as much as the same phase without the term gives (the
    #   shipped region phase was too short); the term adds position 74% -> 80% and colour
    #   81% -> 85% against that control; hand-drawn edge F1 0.708 (control 0.709, shipped
    #   0.725). Run with the ControlNets' last 600 steps on it, it shipped.
    # - 1200 steps instead of 600, from the same UNet (the one before any grounding phase,
    #   2026-12-05, sixth session): region colour 86% -> 91%, region kind 73% -> 76%, size
    #   60% -> 66%, kind 49% -> 52%, position 80% -> 81%, adherence 32% -> 30% (within the
    #   noise of 50 captions), hand-drawn edge F1 0.723 -> 0.719, about 18 minutes more. But
    #   with its ControlNets brought onto it, a large triangle outline drawn by hand with "a
    #   large green triangle" came out with a yellow-orange blob inside in four seeds of four
    #   (16-35% of the inside green, against 57-100% on the 600-step model; 17-48% with the
    #   older ControlNets, so the UNet is the cause), so 600 stays.
    grounding_steps: int = 600
    grounding_weight: float = 0.1
    # The term counts only on rows noised to at least this timestep (0: every row). At 700
    # (the layout is decided at high noise; a guide's ControlNet might then keep the rest),
    # the same 600-step phase gave no better hand-drawn edge F1 (0.704 against 0.708) and
    # lower kind (43% against 49%), so the term counts on every row.
    grounding_from: int = 0
    # Last, a cycle as low as the region phase's, ``low_noise_steps`` long, with the
    # grounding phase's mix (every ``region_every``-th batch regional, the term on the
    # others) and every timestep drawn below ``low_noise_ceiling``: the steps where a blob
    # becomes a square or a triangle. 600 steps on the shipped UNet (2026-12-05, seventh
    # session, benchmarks/demo_grounding_finetune.py --base max_timestep=500, 50 held-out
    # cases, docs/eval/grounding-phase.md): adherence 32 -> 36%, kind 49 -> 57%, position
    # 80 -> 82%, colour 85 -> 90%, size 61 -> 65%, region colour 86 -> 94%, inpaint 77 -> 82%
    # once the ControlNets were brought onto it; hand-drawn edge F1 0.723 -> 0.725 and the
    # large hand-drawn triangle as green as before. About 14 minutes.
    # - Nothing from the noisiest timesteps (where the layout is decided) in this phase, so the
    #   high-noise share is skipped: 4-step renders, which lean on them, kept their adherence
    #   (150 captions: 18.7 -> 18.0%) while 20-step ones rose (28.7 -> 30.7%).
    # - ``low_noise_cycles`` such cycles, each warming up again (2026-12-06). A second 600-step
    #   round on fresh batches from the one-round UNet, ControlNets brought onto it: adherence
    #   36 -> 48% (150 captions: 30.7 -> 36.7%), kind 57 -> 67%, hand-drawn edge F1 0.725 ->
    #   0.741; small hand-drawn shapes' kind fell 75 -> 58% (12 cases). One 1200-step cycle
    #   instead: 42% and 65%, level within the noise, hand-drawn kind 59% against 67%. A third
    #   round: 38% and 57%, no gain. So two cycles of 600, about 14 minutes each.
    # The kind-contrast term (f1studio.demo.train_contrast) on the plain batches at
    # ``kind_contrast_weight`` (0: off): up to ``kind_contrast_rows`` captioned rows of each
    # plain batch are also denoised from their caption with the shapes' kinds changed, and
    # the true caption's error inside those shapes should be the lower, by a relative margin
    # of about ``kind_contrast_scale``. Measured as the shipped model's second low-noise cycle
    # (the same batches, noise and start; the shipped UNet is that cycle without it), scored
    # on held-out captions 50-249 (2026-12-07, docs/eval/kind-probes.md): at 0.01 adherence
    # 30 -> 27%, kind 55.7 -> 54.2%; at 0.1 29%, kind 54.7% (triangles 33 -> 39%, squares
    # 62 -> 52%), position 84 -> 82%. No gain: off.
    kind_contrast_weight: float = 0.0
    kind_contrast_scale: float = 0.05
    kind_contrast_rows: int = 16
    # The kind-map term (f1studio.demo.train_kind_map) at ``kind_map_weight`` (0: off) on
    # the plain batches' captioned rows: a 1x1 convolution on the output of the UNet's up
    # block ``kind_map_level`` (1: 128 channels at 16x16, worked out at 8x8) predicts the
    # share of each latent pixel that each kind covers; the head is not exported. From
    # scratch, 1500 UNet steps with timestep_shift 0.5, held-out captions 50-249 (2026-12-07,
    # sixth session, docs/eval/kind-probes.md): without it adherence 14%, kind 31%, position
    # 32%; at 0.1 24%, 44%, 59%; at 0.5 26%, 46%, 62% (colour 60 -> 75%, size word 44 ->
    # 60%), about 10% more time a step. Off until a full run with it is measured.
    kind_map_weight: float = 0.0
    kind_map_level: int = 1
    low_noise_steps: int = 600
    low_noise_ceiling: int = 500
    low_noise_cycles: int = 2
    # One ControlNet per guide kind, trained on the frozen UNet. Its guide embedding's last
    # convolution starts small and random instead of zero (the convolutions into the UNet
    # stay zero, so training starts from the plain UNet): with both at zero nothing of the
    # guide reaches the gradient until the zero convolutions have drifted away from zero.
    # 2500 steps rather than 1000 (2026-12-04, on the v4 UNet): hand-drawn edge F1 0.47 -> 0.65
    # and exact 0.50 -> 0.66 on 20 held-out cases; about 17 minutes each on the 2-core CPU.
    controlnet_steps: int = 2500
    controlnet_batch: int = 16
    controlnet_lr: float = 1e-3
    controlnet_hint_init_std: float = 0.02
    controlnet_caption_dropout: float = 0.5
    # The depth ControlNet also sees captions that list the shapes in a shuffled order (a
    # caption lists them back to front), meant to let the guide's layering win over the
    # caption's. It does not yet: painted-depth rank correlation -0.14 at 0.3, and -0.12 with
    # every captioned batch shuffled (1.0, 2026-12-04, 50 cases), so 0.3 stays.
    # Nor is it a matter of strength: the shipped depth ControlNet rendered at 1.5 and 2 times
    # its export scale gave -0.20 and -0.20 (-0.25 at 1; 50 cases, 2026-12-05), with outline F1
    # 0.53 and 0.51 (0.54 at 1).
    # With the overlap loss below, every caption's order is shuffled (1.0), so only the guide
    # tells which shape is in front.
    depth_shuffled_order: float = 1.0
    # The depth ControlNet's loss counts the latent pixels where two differently coloured
    # shapes overlap (where the colour says which shape is nearer) 1 + this many times, and
    # this share of its batches' rows is drawn from scenes with such an overlap. The last 1500
    # steps run again on the shipped ControlNet (2026-12-06, 50 held-out cases,
    # docs/eval/controlnet-tails.md), painted · exact layering rank correlation: plain
    # -0.09 · -0.05, weight 10 and share 0.5 0.05 · 0.02, weight 30, share 0.8 and every
    # caption shuffled 0.15 · 0.16 (its outline F1 0.552 -> 0.516 painted, 0.677 -> 0.645 exact).
    depth_overlap_weight: float = 30.0
    depth_overlap_share: float = 0.8
    # Both ControlNets also see captions whose size and position words are drawn at random
    # (the shapes stay as they are), so an outline or a painted blob wins over a size or
    # place word that disagrees with it. Edge ControlNet, 50 held-out cases (2026-12-04): with
    # the caption's size word wrong, the shape's colour outside a hand-drawn outline 48% -> 20%
    # (edge F1 0.29 -> 0.63); with the right words, hand-drawn edge F1 0.67 -> 0.70.
    controlnet_reworded: float = 0.5
    # The kind-map term in the edge ControlNet's stage (0: off): the UNet stage's kind-map head
    # (kind_map_weight > 0; frozen) reads the UNet's features with the ControlNet's residuals
    # added, and its cross-entropy against the scene's kind map counts at this weight on every
    # row, captioned or not (the outline shows the kinds). So the ControlNet learns to steer
    # the features that decide a shape's kind, not only the denoising error along the outline.
    # Meant for the kind-map UNet, which followed hand-drawn outlines less well than the
    # shipped one (hand-drawn edge F1 0.815 against 0.854, 2026-12-07): not measured yet.
    edge_kind_map_weight: float = 0.0
    # The exported ControlNets' residuals are scaled by this (their output convolutions), so
    # a guide at the window's weight 1.0 is followed: trained residuals at 1.0 lost to the
    # UNet's own picture of a shape (a triangle drawn with the mouse came out flat-topped or
    # with a corner of another colour in two seeds of four, 2026-12-04).
    controlnet_output_scale: float = 1.5
    # The edge ControlNet's own scale (depth keeps the one above). Once the low-noise phase's
    # second cycle taught the UNet its kinds, 1.5 drew a hand-drawn half-canvas square with
    # "a large blue square" as a hollow outline: filled in 0 of 8 seeds (1 of 8 at 96 px; the
    # model before: 4 and 5 of 8). 2026-12-06, times 1.0 / 0.85 / 0.75 of 1.5, 8 seeds at
    # 64 · 80 · 96 px: 0 · 6 · 1, 3 · 6 · 3, 5 · 7 · 5 of 8 filled; 50 held-out cases: edge F1
    # exact 0.775 / 0.761 / 0.751, hand-drawn 0.741 / 0.729 / 0.726, hand-drawn kind
    # 66.9 / 67.7 / 66.1%; the large hand-drawn triangle as green at each (mean 0.86).
    edge_output_scale: float = 1.125
    # An inpaint ControlNet: it sees the picture with the masked part at -1 (ControlNet 1.1's
    # inpaint convention) and learns to fill the hole as the caption says; the engine adds it
    # to every inpaint render. Captions are the scene's own, dropped less often than a
    # guide's: the hole's content can only come from the words.
    # 2000 steps on the shipped UNet (2026-12-05), 50 held-out cases: the repainted shape's
    # inside in the new colour 50.5% without it, 68.5% after 1200 steps, 72.6% after 2000
    # (both exported at scale 1.5).
    inpaint_controlnet_steps: int = 2000
    inpaint_caption_dropout: float = 0.2
    # Its export scale, apart from the guides' (same 50 cases, exact mask · a mask brushed by
    # hand): 0.75: 74.5 · 72.6%, 1.0: 77.5 · 73.9%, 1.5: 72.6 · 74.4%, 2.0: 70.3 · 68.9%.
    # 3000 steps instead of 2000 (at 1.0): 76.8 · 75.7%, no better for 9 more minutes.
    inpaint_output_scale: float = 1.0
    #: The Weight and Mode (balance) a new guide layer of each kind starts with for this model,
    #: written to ``guide_defaults.json`` at export (``demo.model.guide_defaults``): toward the
    #: guide, the unconditional half of a guided step gets less of the ControlNet, so the
    #: prompt's guidance pulls toward the guide too (docs/eval/guide-modes.md).
    edge_guide_weight: float = 1.2
    edge_guide_balance: float = 0.5
    depth_guide_weight: float = 1.0
    depth_guide_balance: float = 1.0
    warmup: int = 100
    checkpoint_every: int = 200
    log_every: int = 20

    def to_dict(self) -> dict:
        return asdict(self)

    def controlnet_steps_of(self, kind: str) -> int:
        """How many steps the ControlNet of ``kind`` (edge, depth or inpaint) trains."""
        return self.inpaint_controlnet_steps if kind == "inpaint" else self.controlnet_steps

    def guide_defaults(self) -> dict[str, dict[str, float]]:
        """``guide_defaults.json``: per guide kind, a new layer's ``weight`` and ``balance``."""
        return {
            "edge": {"weight": self.edge_guide_weight, "balance": self.edge_guide_balance},
            "depth": {"weight": self.depth_guide_weight, "balance": self.depth_guide_balance},
        }

    def export_scale_of(self, kind: str) -> float:
        """The factor the ControlNet of ``kind`` is scaled by at export."""
        if kind == "inpaint":
            return self.inpaint_output_scale
        return self.edge_output_scale if kind == "edge" else self.controlnet_output_scale


def overridden(base: TrainSettings, text: str) -> TrainSettings:
    """``base`` with ``"name=value,name=value"`` applied (``""`` or ``"base"``: unchanged);
    each value takes the type of the setting it replaces ("0", "false", "no", "off" are False).
    An unknown name raises ValueError naming it."""
    if text.strip() in ("", "base"):
        return base
    types = {f.name: type(getattr(base, f.name)) for f in fields(base)}
    changes: dict[str, Any] = {}
    for pair in text.split(","):
        name, _, value = pair.partition("=")
        name = name.strip()
        if name not in types:
            raise ValueError(f"unknown setting {name!r} in {text!r}")
        kind = types[name]
        if kind is bool:  # bool("0") would be True
            changes[name] = value.strip().lower() in ("1", "true", "yes", "on")
        else:
            changes[name] = kind(value.strip())
    return replace(base, **changes)


FULL = TrainSettings()

QUICK = replace(
    FULL,
    vae_steps=3,
    vae_full_steps=1,
    vae_batch=2,
    decoder_steps=2,
    decoder_batch=2,
    scenes=16,
    text_steps=2,
    text_batch=4,
    unet_steps=3,
    unet_batch=2,
    region_steps=2,
    grounding_steps=2,
    low_noise_steps=2,
    controlnet_steps=2,
    controlnet_batch=2,
    inpaint_controlnet_steps=2,
    warmup=1,
    checkpoint_every=2,
    log_every=1,
)
