from django import template

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
