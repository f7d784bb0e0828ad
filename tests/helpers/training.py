"""The history minimum the engine's own tests train with on synthetic data.

The pure trainer takes its minimum as arguments; the product's one minimum comes from
scoring.services.history_minimum (FORMSCORE_MIN_CONVERTED, FORMSCORE_MIN_NOT_CONVERTED).
"""

ENGINE_MINIMUM = {"min_converted": 10, "min_not_converted": 10}
