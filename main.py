"""Pack Sortie entry point: ``python main.py`` (GUI) or ``python main.py COMMAND``."""

import sys

from app.cli import main

if __name__ == "__main__":
    sys.exit(main())
