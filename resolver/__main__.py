"""``python -m resolver``: the rolechain CLI."""

from resolver.cli.main import main

raise SystemExit(main())
