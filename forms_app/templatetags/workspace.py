from django import template

from forms_app.workspace.charts import auc_text, lift_text, rate_text

register = template.Library()

_ALGORITHMS = {
    "logistic_regression": "Logistic regression",
    "random_forest": "Random forest",
    "hist_gradient_boosting": "Gradient boosting",
}


@register.filter
def algorithm_name(algorithm: str) -> str:
    """ "hist_gradient_boosting (calibrated)" reads "Gradient boosting, calibrated"."""
    name, calibrated = algorithm.removesuffix(" (calibrated)"), algorithm.endswith("(calibrated)")
    readable = _ALGORITHMS.get(name, name.replace("_", " ").capitalize())
    return f"{readable}, calibrated" if calibrated else readable


@register.filter
def minutes_readable(minutes: float | None) -> str:
    """A waiting time for people: "45 min", "3.5 h", "2.1 days"; "—" when there is none."""
    if minutes is None:
        return "—"
    if minutes < 90:
        return f"{minutes:.0f} min"
    if minutes < 48 * 60:
        return f"{minutes / 60:.1f} h"
    return f"{minutes / 1440:.1f} days"


# The models page's figures, formatted as its charts format them (forms_app/workspace/charts.py).
@register.filter
def auc_figure(value: float | None) -> str:
    return auc_text(value)


@register.filter
def rate_figure(value: float | None) -> str:
    return rate_text(value)


@register.filter
def lift_figure(value: float | None) -> str:
    return lift_text(value)
