"""Per-user settings shared by the CLI and the window: default models per slot, device, folders.

Stored as JSON in ``$F1STUDIO_CONFIG_DIR`` or the platform's config folder
(``~/.config/f1studio/settings.json`` on Linux). A project's own model choices override these,
and command-line options override both (``model_library.resolve_models``). Files written before
ControlNets were kept per guide kind (``edge_controlnet``, ``depth_controlnet``) still load.
No Qt, no torch.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path

from f1studio.engine.family_table import ModelFamily
from f1studio.engine.request import ControlKind
from f1studio.model_choice import ModelChoice, read_legacy_fields


def config_dir() -> Path:
    if os.environ.get("F1STUDIO_CONFIG_DIR"):
        return Path(os.environ["F1STUDIO_CONFIG_DIR"])
    if sys.platform == "win32":
        return Path(os.environ.get("APPDATA", Path.home())) / "F1Studio"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "F1Studio"
    return Path(os.environ.get("XDG_CONFIG_HOME", Path.home() / ".config")) / "f1studio"


def data_dir() -> Path:
    """Where the app keeps what it writes for itself (recovery copies): ``$F1STUDIO_DATA_DIR``
    or the platform's data folder (``~/.local/share/f1studio`` on Linux)."""
    if os.environ.get("F1STUDIO_DATA_DIR"):
        return Path(os.environ["F1STUDIO_DATA_DIR"])
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA", Path.home())) / "F1Studio"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "F1Studio"
    return Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / "f1studio"


DEFAULT_AUTOSAVE_S = 30
MAX_AUTOSAVE_S = 3600


@dataclass
class AppSettings(ModelChoice):
    """The user's default models (a :class:`ModelChoice`) and how to run them."""

    device: str = "auto"
    allow_pickle: bool = False
    # extra folders the model manager scans (A1111/ComfyUI installs, a models drive, ...)
    model_folders: list[str] = field(default_factory=list)
    # seconds between recovery copies while there are unsaved changes; 0 turns autosave off
    autosave_interval_s: int = DEFAULT_AUTOSAVE_S
    # a tiny VAE (AutoencoderTiny) per family (``ModelFamily`` value): live renders and step
    # previews decode with it (``model_library.tiny_vae_for``)
    tiny_vaes: dict[str, str] = field(default_factory=dict)
    # an IP-Adapter per family: the reference pictures that steer renders use it
    # (``model_library.ip_adapter_for``)
    ip_adapters: dict[str, str] = field(default_factory=dict)
    # an inpaint ControlNet per family (SD1.5: ControlNet 1.1's inpaint model): inpaint masks
    # render with it (``model_library.inpaint_controlnet_for``)
    inpaint_controlnets: dict[str, str] = field(default_factory=dict)
    # where a single-file checkpoint's configuration comes from, per family, when the Hugging
    # Face cache lacks it: a local diffusers folder of that family or a hub id
    single_file_configs: dict[str, str] = field(default_factory=dict)
    # the window's language: "system" (the locale's) or a shipped one ("en", "zh_CN")
    language: str = "system"
    # torch threads of the engine on the CPU; 0: all cores but one
    engine_threads: int = 0
    # GPU memory mode and FLUX.1 quantisation (``engine.memory.parse_memory_mode``); "": chosen
    # by the free memory
    memory_mode: str = ""
    # speed switches applied when a model loads (``engine.speed``): channels-last convolutions,
    # fused query/key/value projections, and torch.compile of the denoiser ("off",
    # "denoiser", "denoiser+vae": the VAE decoder too)
    channels_last: bool = False
    fused_qkv: bool = False
    compile_mode: str = "off"
    # a new project's canvas side and steps per family (``ModelFamily`` value); missing: the
    # family's usual ones
    new_project_sizes: dict[str, int] = field(default_factory=dict)
    new_project_steps: dict[str, int] = field(default_factory=dict)
    # live mode for new projects: steps (0: what suits the model) and img2img strength
    live_steps: int = 0
    live_strength: float = 0.65

    def __post_init__(self) -> None:
        super().__post_init__()
        self.tiny_vaes = _per_family("tiny_vaes", self.tiny_vaes)
        self.ip_adapters = _per_family("ip_adapters", self.ip_adapters)
        self.inpaint_controlnets = _per_family("inpaint_controlnets", self.inpaint_controlnets)
        self.single_file_configs = _per_family("single_file_configs", self.single_file_configs)
        self.new_project_sizes = _per_family_numbers(self.new_project_sizes, 64, 4096)
        self.new_project_steps = _per_family_numbers(self.new_project_steps, 1, 200)
        self.engine_threads = _number(self.engine_threads, 0, 0, 256)
        self.live_steps = _number(self.live_steps, 0, 0, 200)
        strength = self.live_strength
        if isinstance(strength, bool) or not isinstance(strength, (int, float)):
            self.live_strength = 0.65
        else:
            self.live_strength = min(max(float(strength), 0.05), 1.0)
        if not isinstance(self.language, str) or not self.language.strip():
            self.language = "system"
        if not isinstance(self.memory_mode, str):
            self.memory_mode = ""
        self.channels_last = self.channels_last is True  # a hand-edited non-boolean: off
        self.fused_qkv = self.fused_qkv is True
        if self.compile_mode not in COMPILE_MODES:
            self.compile_mode = "off"
        interval = self.autosave_interval_s
        if isinstance(interval, bool) or not isinstance(interval, int):
            self.autosave_interval_s = DEFAULT_AUTOSAVE_S  # a hand-edited file: keep working
        else:
            self.autosave_interval_s = min(max(interval, 0), MAX_AUTOSAVE_S)

    def with_tiny_vae(self, family: ModelFamily | str, model: str | None) -> AppSettings:
        """A copy with ``model`` as the tiny VAE of ``family`` (``None`` or blank: none)."""
        return replace(self, tiny_vaes=_chosen(self.tiny_vaes, family, model))

    def with_ip_adapter(self, family: ModelFamily | str, model: str | None) -> AppSettings:
        """A copy with ``model`` as the IP-Adapter of ``family`` (``None`` or blank: none)."""
        return replace(self, ip_adapters=_chosen(self.ip_adapters, family, model))

    def with_inpaint_controlnet(self, family: ModelFamily | str, model: str | None) -> AppSettings:
        """A copy with ``model`` as the inpaint ControlNet of ``family`` (``None`` or blank:
        none)."""
        return replace(self, inpaint_controlnets=_chosen(self.inpaint_controlnets, family, model))

    @classmethod
    def load(cls) -> AppSettings:
        path = config_dir() / "settings.json"
        try:
            data = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            return cls()
        if not isinstance(data, dict):
            return cls()
        data = read_legacy_fields(data)
        nets = data.pop("controlnets", None)
        if isinstance(nets, dict):  # kinds this version does not know are left out
            kinds = {kind.value for kind in ControlKind}
            data["controlnets"] = {k: v for k, v in nets.items() if k in kinds}
        known = {f.name for f in fields(cls)}
        try:
            return cls(**{k: v for k, v in data.items() if k in known})
        except ValueError:  # a hand-edited value of the wrong type, e.g. "base": 5
            return cls()

    def save(self) -> Path:
        path = config_dir() / "settings.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(self), indent=2), "utf-8")
        os.replace(tmp, path)
        return path


#: the values of ``compile_mode`` (``engine.speed.CompileMode``: this module imports no torch)
COMPILE_MODES = ("off", "denoiser", "denoiser+vae")


def _per_family(name: str, value: object) -> dict[str, str]:
    """A family -> model mapping checked: text values, families this version knows, no blanks."""
    if not isinstance(value, Mapping):
        raise ValueError(f"{name} must map families to models, not {value!r}")
    for family, model in value.items():
        if not isinstance(model, str):
            raise ValueError(
                f"{name}[{family!r}] must be a model name or path (text), not {model!r}"
            )
    families = {f.value for f in ModelFamily}  # families this version does not know: out
    return {f: m.strip() for f, m in value.items() if f in families and m.strip()}


def _number(value: object, default: int, low: int, high: int) -> int:
    """A whole number kept in ``low..high``; a hand-edited value of another type: ``default``."""
    if isinstance(value, bool) or not isinstance(value, int):
        return default
    return min(max(value, low), high)


def _per_family_numbers(value: object, low: int, high: int) -> dict[str, int]:
    """Family -> whole number in ``low..high``; unknown families and other types left out."""
    if not isinstance(value, Mapping):
        return {}
    families = {f.value for f in ModelFamily}
    return {
        f: min(max(n, low), high)
        for f, n in value.items()
        if f in families and isinstance(n, int) and not isinstance(n, bool)
    }


def _chosen(current: dict[str, str], family: ModelFamily | str, model: str | None) -> dict:
    key = ModelFamily(family).value
    chosen = {f: m for f, m in current.items() if f != key}
    if model and model.strip():
        chosen[key] = model.strip()
    return chosen
