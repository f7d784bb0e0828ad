"""The models page's chart geometry: bars in proportion, references where the figures put them,
and one format per kind of number."""

import pytest

from forms_app.workspace.charts import (
    auc_text,
    calibration_chart,
    comparison_chart,
    drivers_chart,
    lift_chart,
    lift_text,
    rate_text,
)

LONG_LABEL = "A very long question label that goes on"
DECILES = [
    {"decile": 1, "n": 10, "conversions": 4, "rate": 0.4, "lift": 2.5},
    {"decile": 2, "n": 10, "conversions": 2, "rate": 0.2, "lift": 1.25},
    {"decile": 3, "n": 10, "conversions": 0, "rate": 0.0, "lift": 0.0},
]


def test_numbers_read_the_same_wherever_they_appear():
    assert auc_text(0.8125) == "0.813"  # rounds half up, as the templates' floatformat
    assert auc_text(None) == "—"
    assert rate_text(0.12) == "12%"
    assert rate_text(0.045) == "4.5%"
    assert rate_text(0.0) == "0%"
    assert lift_text(2.5) == "2.50×"


def test_decile_bars_stand_in_proportion_to_their_rates_over_the_base_rate_line():
    chart = lift_chart(deciles=DECILES, base_rate=0.16, version="v2")
    bottom = chart.plot["bottom"]

    heights = [bar["height"] for bar in chart.marks]
    assert heights[1] == pytest.approx(heights[0] / 2) and heights[2] == 0
    assert [bar["y"] + bar["height"] for bar in chart.marks] == [bottom] * 3
    # The axis runs to a round 40 %; the base rate line sits at 16 % of it.
    assert [tick.label for tick in chart.y_ticks] == ["0%", "10%", "20%", "30%", "40%"]
    height = bottom - chart.plot["top"]
    assert chart.reference == {"y": pytest.approx(bottom - height * 0.4), "label": "average 16%"}
    assert [bar["value"] for bar in chart.marks] == ["40%", "20%", "0%"]
    assert chart.title == "Conversion by score decile, v2"
    assert "best-scored tenth of the holdout leads converted at 40% (2.50× the" in chart.desc
    assert chart.table[0] == {
        "label": "1 (best scored)",
        "n": 10,
        "conversions": 4,
        "rate": "40%",
        "lift": "2.50×",
    }


def test_calibration_dots_sit_on_a_square_with_the_diagonal_and_grow_with_their_counts():
    chart = calibration_chart(
        calibration=[
            {"predicted": 0.05, "observed": 0.04, "n": 25},
            {"predicted": 0.3, "observed": 0.36, "n": 100},
        ],
        version="v2",
    )
    plot = chart.plot
    assert plot["right"] - plot["left"] == plot["bottom"] - plot["top"]
    assert chart.reference == {
        "x1": plot["left"],
        "y1": plot["bottom"],
        "x2": plot["right"],
        "y2": plot["top"],
    }
    small, large = chart.marks
    assert small["r"] < large["r"] == 8
    # Both axes run to 40 %: a dot on the diagonal would have cx - left == bottom - cy.
    assert [tick.label for tick in chart.x_ticks] == ["0%", "10%", "20%", "30%", "40%"]
    side = plot["right"] - plot["left"]
    assert large["cx"] == pytest.approx(plot["left"] + side * 0.3 / 0.4)
    assert large["cy"] == pytest.approx(plot["bottom"] - side * 0.36 / 0.4)
    assert "predicted 30%, observed 36%" in chart.desc
    assert chart.table[1] == {"predicted": "30%", "observed": "36%", "n": 100}


def test_the_comparison_draws_both_scorers_on_one_scale_with_chance_in_the_middle():
    chart = comparison_chart(
        model_name="v2", model_auc=0.8, comparator_name="the points system", comparator_auc=0.6
    )
    model, points = chart.marks
    assert points["width"] == pytest.approx(model["width"] * 0.75)
    assert chart.reference["x"] == pytest.approx((chart.plot["left"] + chart.plot["right"]) / 2)
    assert points["label"] == "The points system"
    assert "a difference of 0.200 in its favour" in chart.desc


def test_driver_bars_are_relative_to_the_strongest_and_long_labels_are_shortened():
    chart = drivers_chart(
        drivers=[
            {"feature": "a", "label": "Timeline", "importance": 0.2},
            {"feature": "b", "label": LONG_LABEL, "importance": 0.05},
        ],
        version="v2",
    )
    first, second = chart.marks
    assert second["width"] == pytest.approx(first["width"] / 4)
    assert second["label"].endswith("…") and len(second["label"]) == 28
    assert chart.table[1] == {"label": LONG_LABEL, "value": "0.050"}
