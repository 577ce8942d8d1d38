"""Benchmarks (``make bench``): timings and query counts on generated data, never in tests.

``baseline`` — hand-written SQL per flag rule (the physical limit the engine is compared with);
``measure`` — the ``manage.py bench`` measurements; ``pages`` — the township page and the
checker against a 1,000-entry township. ``manage.py bench_excel`` measures Excel import/export.
"""
