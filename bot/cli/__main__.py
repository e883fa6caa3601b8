"""`python -m bot.cli`: the `benken` command."""

import sys

from . import main

sys.exit(main())
