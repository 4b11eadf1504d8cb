"""``python -m roadmaps.cli``: the same as the ``pathways`` command."""

import sys

from roadmaps.cli import main

sys.exit(main())
