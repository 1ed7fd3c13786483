"""Benchmark workers: one script per contender, each run with its own environment's python.

A worker file is named after the package it measures (``plugio.py``,
``flytekit.py``, ...), so it removes its own folder from ``sys.path`` before
importing anything; this ``__init__`` only makes ``workers._common``
importable and keeps the files' module names apart from the real packages for
the type checker.
"""
