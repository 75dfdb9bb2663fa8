"""The desktop bundle's entry point: the same ``f1studio`` command as a pip install gives
(no arguments: the window; a command: the terminal tool)."""

import multiprocessing
import sys

from f1studio.cli import main

if __name__ == "__main__":
    multiprocessing.freeze_support()
    sys.exit(main())
