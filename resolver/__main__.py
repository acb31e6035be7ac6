"""``python -m resolver``: the rolechain CLI."""

from resolver.cli.entry import main

raise SystemExit(main())
