"""Stage 1, configuration: the INI and TOML sources, the pydantic model, and the profile set.

Kept empty: importing a submodule must not import its siblings.
"""
