"""The geometry of the models page's charts, for templates to draw as inline SVG.

No JavaScript and no chart library: each function takes figures and returns the shapes (in the
chart's own viewBox units, so the SVG scales with its container), the words a screen reader hears
(``title`` and ``desc``) and the rows of the data table shown under the chart. Colours are left
to CSS classes (workspace.css), so dark mode follows the design tokens.

Every number is formatted here, by the same three functions the page's tables use
(``auc_text``, ``rate_text``, ``lift_text``): a fact reads the same in a bar, a table and a
sentence.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from django.template.defaultfilters import floatformat

# The viewBoxes: wide enough that 12-unit text reads at about 12-14 px in the models page's
# main column, which the SVG fills.
LIFT_WIDTH, LIFT_HEIGHT = 560, 250
CALIBRATION_WIDTH, CALIBRATION_HEIGHT = 290, 280
BARS_WIDTH = 560
BAR_ROW = 30  # one horizontal bar and its gap


def auc_text(value: float | None) -> str:
    """ROC AUC as everywhere on the page: three decimals, "—" when unknown."""
    return "—" if value is None else floatformat(value, 3)


def rate_text(value: float | None) -> str:
    """A rate or probability as a percentage: whole percent, one decimal below 10 %."""
    if value is None:
        return "—"
    percent = value * 100
    return f"{floatformat(percent, 1 if 0 < percent < 9.95 else 0)}%"


def lift_text(value: float | None) -> str:
    return "—" if value is None else f"{floatformat(value, 2)}×"


def _nice_step(top: float, steps: int = 4) -> float:
    """The round step (1, 2, 2.5 or 5 times a power of ten) giving at most ``steps`` intervals."""
    if top <= 0:
        return 0.25
    raw = top / steps
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if factor * power >= raw:
            return factor * power
    return 10 * power  # pragma: no cover - the loop always returns


def _ticks(top: float, steps: int = 4) -> tuple[float, list[float]]:
    step = _nice_step(top, steps)
    count = max(1, math.ceil(round(top / step, 9)))
    return count * step, [round(step * i, 10) for i in range(count + 1)]


@dataclass(frozen=True)
class Tick:
    at: float  # the coordinate along its axis
    label: str


@dataclass(frozen=True)
class Chart:
    """One SVG: its viewBox, its words, its shapes and the rows of its data table."""

    width: int
    height: int
    title: str
    desc: str
    table: list[dict]
    plot: dict = field(default_factory=dict)  # left, top, right, bottom of the plot area
    x_ticks: list[Tick] = field(default_factory=list)
    y_ticks: list[Tick] = field(default_factory=list)
    marks: list[dict] = field(default_factory=list)  # bars or points, in drawing order
    reference: dict | None = None  # a line a reader compares with: base rate, diagonal, chance
    summary: str = ""  # the chart's main figure in one sentence, shown beside it

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"


def lift_chart(*, deciles: list[dict], base_rate: float | None, version: str) -> Chart:
    """Conversion rate of each tenth of the holdout, best scored first, against the base rate."""
    left, right, top, bottom = 48, LIFT_WIDTH - 12, 22, LIFT_HEIGHT - 40
    highest = max([d["rate"] for d in deciles] + [base_rate or 0.0])
    y_max, y_values = _ticks(highest or 1.0)

    def y_at(rate: float) -> float:
        return round(bottom - (bottom - top) * rate / y_max, 2)

    slot = (right - left) / max(1, len(deciles))
    bar_width = round(slot * 0.68, 2)
    marks = []
    for index, decile in enumerate(deciles):
        x = round(left + slot * index + (slot - bar_width) / 2, 2)
        y = y_at(decile["rate"])
        marks.append(
            {
                "x": x,
                "y": y,
                "width": bar_width,
                "height": round(bottom - y, 2),
                "center": round(x + bar_width / 2, 2),
                "value_y": round(y - 5, 2),
                "label": str(decile["decile"]),
                "value": rate_text(decile["rate"]),
                "above_base": base_rate is not None and decile["rate"] > base_rate,
            }
        )
    reference = None
    if base_rate is not None:
        reference = {"y": y_at(base_rate), "label": f"average {rate_text(base_rate)}"}
    first, last = deciles[0], deciles[-1]
    table = [
        {
            "label": f"{decile['decile']}" + (" (best scored)" if decile is first else ""),
            "n": decile["n"],
            "conversions": decile["conversions"],
            "rate": rate_text(decile["rate"]),
            "lift": lift_text(decile["lift"]),
        }
        for decile in deciles
    ]
    return Chart(
        width=LIFT_WIDTH,
        height=LIFT_HEIGHT,
        title=f"Conversion by score decile, {version}",
        desc=(
            f"The best-scored tenth of the holdout leads converted at {rate_text(first['rate'])}"
            f" ({lift_text(first['lift'])} the average of {rate_text(base_rate)}); the lowest"
            f" tenth at {rate_text(last['rate'])}. By tenth, best first: "
            + ", ".join(rate_text(d["rate"]) for d in deciles)
            + "."
        ),
        table=table,
        plot={"left": left, "right": right, "top": top, "bottom": bottom},
        y_ticks=[Tick(at=y_at(v), label=rate_text(v)) for v in y_values],
        marks=marks,
        reference=reference,
    )


def calibration_chart(*, calibration: list[dict], version: str) -> Chart:
    """Predicted probability against observed conversion per bin, dots sized by leads."""
    left, top, size = 52, 14, 220
    right, bottom = left + size, top + size
    highest = max([c["predicted"] for c in calibration] + [c["observed"] for c in calibration])
    axis_max, values = _ticks(min(1.0, highest) or 1.0)

    def x_at(p: float) -> float:
        return round(left + size * p / axis_max, 2)

    def y_at(p: float) -> float:
        return round(bottom - size * p / axis_max, 2)

    most = max(c["n"] for c in calibration)
    marks = [
        {
            "cx": x_at(c["predicted"]),
            "cy": y_at(c["observed"]),
            # Area follows the count: radius by its square root, 3 to 8 units.
            "r": round(3 + 5 * math.sqrt(c["n"] / most), 2),
            "label": (
                f"Predicted {rate_text(c['predicted'])}, observed {rate_text(c['observed'])},"
                f" {c['n']} leads"
            ),
        }
        for c in calibration
    ]
    weighted_gap = sum(abs(c["predicted"] - c["observed"]) * c["n"] for c in calibration) / sum(
        c["n"] for c in calibration
    )
    gap_sentence = (
        f"On average a prediction is {floatformat(weighted_gap * 100, 1)} percentage points"
        " from what happened."
    )
    return Chart(
        width=CALIBRATION_WIDTH,
        height=CALIBRATION_HEIGHT,
        title=f"Calibration, {version}",
        summary=gap_sentence,
        desc=(
            f"Predicted probability against the observed conversion rate in {len(calibration)}"
            f" groups of holdout leads. {gap_sentence}"
            " Groups, lowest first: "
            + "; ".join(
                f"predicted {rate_text(c['predicted'])}, observed {rate_text(c['observed'])}"
                for c in calibration
            )
            + "."
        ),
        table=[
            {
                "predicted": rate_text(c["predicted"]),
                "observed": rate_text(c["observed"]),
                "n": c["n"],
            }
            for c in calibration
        ],
        plot={"left": left, "right": right, "top": top, "bottom": bottom},
        x_ticks=[Tick(at=x_at(v), label=rate_text(v)) for v in values],
        y_ticks=[Tick(at=y_at(v), label=rate_text(v)) for v in values],
        marks=marks,
        reference={"x1": left, "y1": bottom, "x2": right, "y2": top},
    )


def bar_rows(
    *,
    rows: list[tuple[str, float]],
    maximum: float,
    value_text,
    label_width: int = 190,
    highlight_first: bool = False,
) -> tuple[list[dict], dict]:
    """Horizontal bars, one row each: (label, value) scaled against ``maximum``."""
    left, right = label_width, BARS_WIDTH - 64
    marks = []
    for index, (label, value) in enumerate(rows):
        y = 8 + index * BAR_ROW
        width = round((right - left) * max(0.0, value) / maximum, 2) if maximum > 0 else 0
        marks.append(
            {
                "label": label if len(label) <= 28 else label[:27] + "…",
                "full_label": label,
                "x": left,
                "y": y,
                "width": width,
                "height": BAR_ROW - 12,
                "text_y": y + (BAR_ROW - 12) / 2 + 4,
                "value": value_text(value),
                "value_x": round(left + width + 6, 2),
                "highlight": highlight_first and index == 0,
            }
        )
    return marks, {"left": left, "right": right, "top": 0, "bottom": 8 + len(rows) * BAR_ROW}


def comparison_chart(
    *, model_name: str, model_auc: float, comparator_name: str, comparator_auc: float
) -> Chart:
    """The model's holdout ROC AUC against the comparator's on the same leads; chance at 0.5."""
    marks, plot = bar_rows(
        rows=[(model_name, model_auc), (comparator_name.capitalize(), comparator_auc)],
        maximum=1.0,
        value_text=auc_text,
        label_width=170,
        highlight_first=True,
    )
    chance_x = round(plot["left"] + (plot["right"] - plot["left"]) * 0.5, 2)
    difference = model_auc - comparator_auc
    return Chart(
        width=BARS_WIDTH,
        height=plot["bottom"] + 22,
        title=f"{model_name} against {comparator_name}, holdout ROC AUC",
        desc=(
            f"On the same holdout leads {model_name} has a ROC AUC of {auc_text(model_auc)} and"
            f" {comparator_name} {auc_text(comparator_auc)}, a difference of"
            f" {auc_text(abs(difference))} {'in its favour' if difference >= 0 else 'against it'}."
            " 0.500 is chance, 1.000 a perfect ranking."
        ),
        table=[
            {"label": model_name, "value": auc_text(model_auc)},
            {"label": comparator_name.capitalize(), "value": auc_text(comparator_auc)},
        ],
        plot=plot,
        x_ticks=[
            Tick(at=round(plot["left"] + (plot["right"] - plot["left"]) * v, 2), label=label)
            for v, label in ((0.0, "0"), (0.5, "0.5 chance"), (1.0, "1"))
        ],
        marks=marks,
        reference={"x": chance_x, "y1": 0, "y2": plot["bottom"]},
    )


def drivers_chart(*, drivers: list[dict], version: str) -> Chart:
    """How much the holdout ROC AUC drops without each input, largest first."""
    rows = [(d["label"], float(d["importance"])) for d in drivers]
    marks, plot = bar_rows(rows=rows, maximum=max(v for _, v in rows) or 1.0, value_text=auc_text)
    return Chart(
        width=BARS_WIDTH,
        height=plot["bottom"] + 4,
        title=f"What drives the score, {version}",
        desc=(
            "How much the holdout ROC AUC drops when each input is shuffled: "
            + "; ".join(f"{label} {auc_text(value)}" for label, value in rows)
            + "."
        ),
        table=[{"label": label, "value": auc_text(value)} for label, value in rows],
        plot=plot,
        marks=marks,
    )


def distribution_chart(*, rows: list[dict], version: str, psi_text: str) -> Chart:
    """Share of leads per score band: the version's training leads beside this week's.

    ``rows``: ``{"band", "before", "after", "n"}`` per band of ten points, lowest first.
    """
    left, right, top, bottom = 48, LIFT_WIDTH - 12, 30, LIFT_HEIGHT - 40
    y_max, y_values = _ticks(max([r["before"] for r in rows] + [r["after"] for r in rows]) or 0.1)

    def y_at(share: float) -> float:
        return round(bottom - (bottom - top) * share / y_max, 2)

    slot = (right - left) / max(1, len(rows))
    bar_width = round(slot * 0.36, 2)
    marks = []
    for index, row in enumerate(rows):
        start = left + slot * index + (slot - 2 * bar_width) / 2
        for series, share in (("reference", row["before"]), ("week", row["after"])):
            x = round(start + (bar_width if series == "week" else 0), 2)
            y = y_at(share)
            marks.append(
                {
                    "series": series,
                    "x": x,
                    "y": y,
                    "width": bar_width,
                    "height": round(bottom - y, 2),
                    "center": round(left + slot * index + slot / 2, 2),
                    "label": row["band"],
                    "value": rate_text(share),
                }
            )
    return Chart(
        width=LIFT_WIDTH,
        height=LIFT_HEIGHT,
        title=f"Scores this week against the leads {version} learned from",
        desc=(
            f"Share of leads in each band of ten score points ({psi_text}). By band, lowest"
            " first, training leads against this week's: "
            + "; ".join(
                f"{r['band']}: {rate_text(r['before'])} against {rate_text(r['after'])}"
                for r in rows
            )
            + "."
        ),
        table=[
            {
                "label": r["band"],
                "before": rate_text(r["before"]),
                "after": rate_text(r["after"]),
                "n": r["n"],
            }
            for r in rows
        ],
        plot={"left": left, "right": right, "top": top, "bottom": bottom},
        y_ticks=[Tick(at=y_at(v), label=rate_text(v)) for v in y_values],
        marks=marks,
    )
