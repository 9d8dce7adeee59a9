"""``python -m dkp.companion``."""

from dkp.companion.cli import main

raise SystemExit(main())
