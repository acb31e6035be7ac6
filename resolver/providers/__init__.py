"""Credential providers: the stscreds port (AssumeRole, web identity, MFA tokens, cache)
and the base sources. Modules here import botocore lazily, inside the calls that need it.
"""
