"""The geometry of the Performance tab's charts, drawn by the template as inline SVG, in the style
and with the number formats of forms_app/workspace/charts.py (whose Chart and Tick they reuse)."""

from __future__ import annotations

from forms_app.workspace.charts import LIFT_HEIGHT, LIFT_WIDTH, Chart, Tick, auc_text, rate_text
from forms_app.workspace.scoring_proof import DualTrack, SalesOutcomes


def dual_track_chart(*, track: DualTrack) -> Chart | None:
    """Monthly ROC AUC of the model and of the points rules, two lines over 0.5 (chance) to 1."""
    months = [m for m in track.months if m.model_auc is not None or m.points_auc is not None]
    if not months:
        return None
    left, right, top, bottom = 48, LIFT_WIDTH - 16, 16, LIFT_HEIGHT - 40
    # AUCs below 0.5 are worse than chance: the axis still starts at 0.4 so they show.
    low = (
        0.4
        if min(v for m in months for v in (m.model_auc, m.points_auc) if v is not None) >= 0.4
        else 0.0
    )

    def y_at(value: float) -> float:
        return round(bottom - (bottom - top) * (value - low) / (1 - low), 2)

    step = (right - left) / max(1, len(months) - 1) if len(months) > 1 else 0
    xs = [
        round(left + step * i if len(months) > 1 else (left + right) / 2, 2)
        for i in range(len(months))
    ]

    def series(attr: str) -> dict:
        points = [
            (x, y_at(getattr(m, attr)))
            for x, m in zip(xs, months, strict=True)
            if getattr(m, attr) is not None
        ]
        return {
            "path": " ".join(f"{x},{y}" for x, y in points),
            "dots": [{"cx": x, "cy": y} for x, y in points],
        }

    ticks = [v / 10 for v in range(int(low * 10), 11, 1 if low else 2)]
    return Chart(
        width=LIFT_WIDTH,
        height=LIFT_HEIGHT,
        title=f"ROC AUC per month, model v{track.version.number} against the points rules",
        desc=(
            f"{track.verdict} By month: "
            + "; ".join(
                f"{m.month:%b %Y} model {auc_text(m.model_auc)}, points {auc_text(m.points_auc)}"
                for m in months
            )
            + ". 0.5 is chance, 1 a perfect ranking."
        ),
        table=[],
        plot={"left": left, "right": right, "top": top, "bottom": bottom},
        y_ticks=[Tick(at=y_at(v), label=f"{v:.1f}") for v in ticks],
        x_ticks=[Tick(at=x, label=f"{m.month:%b}") for x, m in zip(xs, months, strict=True)],
        marks=[
            {"class": "chart-line", "dot_class": "chart-line-dot", **series("model_auc")},
            {
                "class": "chart-line chart-line-other",
                "dot_class": "chart-line-dot chart-line-other-dot",
                **series("points_auc"),
            },
        ],
        reference={"y": y_at(0.5), "label": "chance"},
    )


def win_rate_chart(*, outcomes: SalesOutcomes) -> Chart | None:
    """Win rate of each score band's closed leads, lowest band first: a working score climbs."""
    bands = [b for b in reversed(outcomes.bands) if b.key != "none"]
    if not any(b.closed for b in bands):
        return None
    left, right, top, bottom = 48, LIFT_WIDTH - 12, 22, LIFT_HEIGHT - 40
    highest = max((b.win_rate or 0.0) for b in bands) or 1.0
    y_max = min(1.0, (int(highest * 10) + 1) / 10)

    def y_at(rate: float) -> float:
        return round(bottom - (bottom - top) * rate / y_max, 2)

    slot = (right - left) / len(bands)
    width = round(slot * 0.68, 2)
    marks = []
    for index, band in enumerate(bands):
        x = round(left + slot * index + (slot - width) / 2, 2)
        y = y_at(band.win_rate or 0.0)
        marks.append(
            {
                "x": x,
                "y": y,
                "width": width,
                "height": round(bottom - y, 2),
                "center": round(x + width / 2, 2),
                "value_y": round(y - 5, 2),
                "label": band.label,
                "value": rate_text(band.win_rate) if band.closed else "—",
            }
        )
    steps = 4
    return Chart(
        width=LIFT_WIDTH,
        height=LIFT_HEIGHT,
        title="Win rate by score band",
        desc=(
            "The share of closed leads that were won, by the score they got on submit, lowest"
            " band first: " + ", ".join(f"{b.label} {rate_text(b.win_rate)}" for b in bands) + "."
        ),
        table=[],
        plot={"left": left, "right": right, "top": top, "bottom": bottom},
        y_ticks=[
            Tick(at=y_at(y_max * i / steps), label=rate_text(y_max * i / steps))
            for i in range(steps + 1)
        ],
        marks=marks,
    )
