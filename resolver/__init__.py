"""rolechain: resolve AWS credentials from declarative role chains.

Importing this package is cheap: ``resolve``, ``session`` and ``plan`` import their heavy
dependencies (boto3, pydantic) only when called.
"""

from __future__ import annotations

__version__ = "0.1.0"
