"""Why a model can be trusted, in figures a chart can draw: lift by score decile and calibration.

numpy only (like scoring/metrics.py), so the figures are computed once at training and kept with
the version's metrics (``metrics["evidence"]``) as JSON.

Both views cut the holdout into bins of equal count by predicted probability (``np.array_split``:
the first bins take the remainder). Equal probabilities keep their input order, which on the
holdout is time order, so the same input always gives the same bins even where a tie straddles a
boundary.
"""

from __future__ import annotations

import numpy as np


def holdout_evidence(y, probabilities, *, deciles: int = 10, calibration_bins: int = 10) -> dict:
    """Conversion by tenth of the holdout (best scored first) and predicted against observed.

    ``deciles``: ``{"decile": 1 (best scored) …, "n", "conversions", "rate", "lift"}``, where
    ``lift`` is the bin's rate over the holdout's base rate (None when nothing converted).
    ``calibration``: ``{"predicted": mean probability, "observed": conversion rate, "n"}``, lowest
    probabilities first. Empty bins (fewer leads than bins) are left out.
    """
    y = np.asarray(y, dtype=np.float64).ravel()
    probabilities = np.asarray(probabilities, dtype=np.float64).ravel()
    if y.shape != probabilities.shape:
        raise ValueError(f"y has {y.size} values but probabilities has {probabilities.size}")
    if deciles < 1 or calibration_bins < 1:
        raise ValueError("deciles and calibration_bins must be at least 1")
    if y.size == 0:
        return {"deciles": [], "calibration": [], "base_rate": None}
    base_rate = float(y.mean())

    best_first = np.argsort(-probabilities, kind="mergesort")
    decile_rows = []
    for number, members in enumerate(_bins(best_first, deciles), start=1):
        conversions = int(y[members].sum())
        rate = conversions / members.size
        decile_rows.append(
            {
                "decile": number,
                "n": int(members.size),
                "conversions": conversions,
                "rate": round(rate, 6),
                "lift": round(rate / base_rate, 4) if base_rate > 0 else None,
            }
        )

    lowest_first = np.argsort(probabilities, kind="mergesort")
    calibration = [
        {
            "predicted": round(float(probabilities[members].mean()), 6),
            "observed": round(float(y[members].mean()), 6),
            "n": int(members.size),
        }
        for members in _bins(lowest_first, calibration_bins)
    ]
    return {"deciles": decile_rows, "calibration": calibration, "base_rate": round(base_rate, 6)}


def _bins(order: np.ndarray, count: int) -> list[np.ndarray]:
    return [members for members in np.array_split(order, count) if members.size]
