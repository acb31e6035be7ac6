"""Credential providers: the base sources (``bases/``), the STS client plumbing
(``sts/``), the MFA prompt drivers (``prompts/``), and ``executor``, which turns a
``Chain`` into providers built on ``resolver.stscreds``. Modules here import botocore
lazily, inside the calls that need it.
"""
