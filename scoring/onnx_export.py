"""Convert a fitted scikit-learn pipeline to ONNX and prove onnxruntime agrees with it.

Training side only (imports scikit-learn, skl2onnx and pandas). The model has one named input per
feature: an int64 tensor of codes for each categorical (see ``scoring.features``), float32 for
each numeric (double inputs do not load in onnxruntime), and ``zipmap`` off so the
``probabilities`` output is a plain (n, 2) float tensor.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from skl2onnx import to_onnx
from skl2onnx.common.data_types import FloatTensorType, Int64TensorType
from skl2onnx.helpers.onnx_helper import select_model_inputs_outputs

from scoring.features import CATEGORICAL, FeatureSpec
from scoring.runtime import PROBABILITY_OUTPUT, predict_probability, session_load

PARITY_TOLERANCE = 1e-4


class ParityError(Exception):
    """onnxruntime and scikit-learn disagree on a probability by more than the tolerance."""

    def __init__(self, max_difference: float, tolerance: float) -> None:
        super().__init__(
            f"ONNX and scikit-learn probabilities differ by up to {max_difference:.3g}"
            f" (tolerance {tolerance:g})"
        )
        self.max_difference = max_difference
        self.tolerance = tolerance


def feed_frame(feed: dict[str, np.ndarray]) -> pd.DataFrame:
    """The DataFrame scikit-learn trains on, built from the very feed ONNX is given."""
    return pd.DataFrame({name: column[:, 0] for name, column in feed.items()})


def initial_types(spec: FeatureSpec) -> list:
    return [
        (
            f.name,
            Int64TensorType([None, 1]) if f.kind == CATEGORICAL else FloatTensorType([None, 1]),
        )
        for f in spec.features
    ]


def export(model, spec: FeatureSpec, sample_feed: dict[str, np.ndarray]) -> bytes:
    """The ONNX bytes of a fitted pipeline whose columns are the spec's feature names.

    ``sample_feed`` (a few rows from ``feature_matrix``) is run through the converted model once,
    so a graph that converts but does not load or run fails here, not in the web process.
    """
    missing = [name for name in spec.names if name not in sample_feed]
    if missing:
        raise ValueError(f"sample feed lacks features: {', '.join(missing)}")
    with warnings.catch_warnings():
        # skl2onnx writes HistGradientBoosting's boolean flags as ints; protobuf 6 warns (and
        # protobuf 7 fails, hence the pin protobuf<7).
        warnings.filterwarnings("ignore", message=".*Expected an int, got a boolean.*")
        onnx_model = to_onnx(model, initial_types=initial_types(spec), options={"zipmap": False})
    outputs = [output.name for output in onnx_model.graph.output]
    if PROBABILITY_OUTPUT not in outputs:
        raise ValueError(f"converted model has outputs {outputs}, not {PROBABILITY_OUTPUT!r}")
    # Serving reads probabilities only: dropping the label output and the nodes that feed only
    # it saves a few nodes' dispatch on every submit.
    onnx_model = select_model_inputs_outputs(onnx_model, outputs=[PROBABILITY_OUTPUT])
    onnx_bytes = onnx_model.SerializeToString()
    probabilities = predict_probability(session_load(onnx_bytes), sample_feed)
    if probabilities.shape != (len(next(iter(sample_feed.values()))),):
        raise ValueError(f"converted model returned probabilities of shape {probabilities.shape}")
    return onnx_bytes


def check_parity(
    onnx_bytes: bytes, model, feed: dict[str, np.ndarray], tolerance: float = PARITY_TOLERANCE
) -> float:
    """max |p_onnx - p_sklearn| over the feed's rows; ParityError when above ``tolerance``."""
    p_onnx = predict_probability(session_load(onnx_bytes), feed)
    p_sklearn = model.predict_proba(feed_frame(feed))[:, 1]
    difference = float(np.max(np.abs(p_onnx - p_sklearn))) if p_onnx.size else 0.0
    if not difference <= tolerance:  # also catches NaN
        raise ParityError(difference, tolerance)
    return difference
