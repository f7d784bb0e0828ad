"""formscore's scoring core: feature spec, training, ONNX export, serving, points, conditions,
metrics.

Nothing is imported here on purpose: the web process imports ``scoring.runtime``,
``scoring.features``, ``scoring.points``, ``scoring.conditions``, ``scoring.metrics`` and
``scoring.leakage`` (numpy and onnxruntime only);
``scoring.training`` and ``scoring.onnx_export`` pull in scikit-learn and pandas and belong to
training processes (commands, task workers) only.
"""
