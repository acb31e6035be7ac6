"""Stage 4, what persists across processes: the disk store, locks, and ready answers.

Kept empty: importing a submodule must not import its siblings.
"""
