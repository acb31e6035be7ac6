"""``python -m resolver``: the rolechain CLI."""

from resolver.answers import main

raise SystemExit(main())
