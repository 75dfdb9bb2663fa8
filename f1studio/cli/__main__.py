"""``python -m f1studio.cli`` runs the same command as ``f1studio``."""

import sys

from f1studio.cli import main

sys.exit(main())
