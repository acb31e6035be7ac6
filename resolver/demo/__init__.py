"""The embedded local STS (moto) and ``rolechain demo``.

Kept empty: importing a submodule must not import its siblings.
"""
