"""Stage 2, the pure plan: chain value types, the planner, and the static STS checks.

Kept empty: importing a submodule must not import its siblings.
"""
