"""Keep library chatter (progress bars, deprecation notes) out of the user's terminal and logs.

Called by the engine before torch/diffusers/transformers are imported; explicit environment
settings by the user win.
"""

from __future__ import annotations

import logging
import os
import warnings

_done = False


def quiet_environment() -> None:
    """Environment defaults read by the libraries at import time (cheap: imports nothing)."""
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("DIFFUSERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
    warnings.filterwarnings("ignore", category=FutureWarning, module=r"diffusers\..*")
    warnings.filterwarnings("ignore", category=FutureWarning, module=r"transformers\..*")
    # diffusers imports torchao when it is installed: its optional CUDA kernels that do not load
    # on this machine, and torch's notes on how torchao registers its enums, are not the user's
    # concern (a real failure to quantise is reported by the engine itself)
    for name in ("torchao", "torch.utils._pytree"):
        logging.getLogger(name).setLevel(logging.ERROR)


def quiet_libraries() -> None:
    global _done
    if _done:
        return
    _done = True
    quiet_environment()
    try:
        import diffusers.utils.logging as dlog
        import transformers.utils.logging as tlog

        dlog.disable_progress_bar()
        tlog.disable_progress_bar()
        # imported before the environment said so (a script importing diffusers first): the
        # same levels now, so e.g. transformers' load report of a second LoRA stays quiet
        if os.environ.get("TRANSFORMERS_VERBOSITY") == "error":
            tlog.set_verbosity_error()
        if os.environ.get("DIFFUSERS_VERBOSITY") == "error":
            dlog.set_verbosity_error()
    except ImportError:  # the libraries are required dependencies; nothing to quiet without them
        pass
