"""A control kind is one declaration: the layers, extractors, settings and model lists read it."""

from __future__ import annotations

import numpy as np
import pytest

from f1studio.document.layers import CONTROL_PROPERTIES, KIND_PROPERTIES, LayerKind
from f1studio.engine.guides import EXTRACTORS, ExtractOptions, extract_guide
from f1studio.engine.preprocess import canny_edges
from f1studio.engine.recommended import load_recommended
from f1studio.engine.request import ControlKind


def test_every_kind_is_declared_whole():
    assert [k.value for k in ControlKind] == ["edge", "depth"]
    assert [k.label for k in ControlKind] == ["Edge guide", "Depth guide"]
    # InstantX/Shakker FLUX union ControlNets: 0 canny, 2 depth
    assert [k.union_mode for k in ControlKind] == [0, 2]
    assert [k.settings_key for k in ControlKind] == ["edge_controlnet", "depth_controlnet"]
    assert {k.extractor for k in ControlKind} <= set(EXTRACTORS)
    assert ControlKind.DEPTH.picture_name.format(name="photo") == "Depth of photo"
    assert ControlKind("edge") is ControlKind.EDGE and ControlKind.EDGE == "edge"


def test_every_kind_has_its_guide_layer():
    controls = [kind for kind in LayerKind if kind.is_control]
    assert [kind.control_kind for kind in controls] == list(ControlKind)
    for kind in controls:
        assert kind.label == kind.control_kind.label
        assert KIND_PROPERTIES[kind] == CONTROL_PROPERTIES
    assert LayerKind.REGION.control_kind is None and not LayerKind.INPAINT.is_control


def test_recommended_controlnets_name_declared_kinds():
    guides = {g for m in load_recommended() for g in m.guides}
    assert guides and guides <= {k.value for k in ControlKind}


def test_the_kind_chooses_its_extractor():
    rng = np.random.default_rng(0)
    photo = (rng.random((48, 64, 3)) * 255).astype(np.uint8)
    photo[:, 32:] = 255 - photo[:, 32:] // 4
    edges = extract_guide("edge", photo, ExtractOptions(low=50, high=150))
    assert edges.shape == (48, 64) and edges.dtype == np.uint8
    assert np.array_equal(edges, canny_edges(photo, 50, 150))
    assert not np.array_equal(edges, extract_guide(ControlKind.EDGE, photo))  # 100/200
    with pytest.raises(ValueError, match="'pose' is not a valid ControlKind"):
        extract_guide("pose", photo)
