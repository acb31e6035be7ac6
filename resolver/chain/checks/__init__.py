"""The static STS checks, one module per subject (see /work/shared/STS-LIMITS.md).

Each ``check_*`` tests one value and returns the problem as text (or a list of problems
for collections); messages name the INI key and never echo an MFA code.
"""
