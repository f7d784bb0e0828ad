"""The demo: its form, a seeded history with planted effects, its reps and routing, and the
synthetic dataset the engine's tests and benchmarks train on.

Used by `manage.py demo`, tests and `bench/`; nothing in the product imports it. It may import
`forms_app.models` and the workspace's services (it builds its form as a marketer would).
"""
