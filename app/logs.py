"""Rotating log file in the platform's log folder, plus stderr for the command line."""

from __future__ import annotations

import logging
import logging.handlers
import sys

from app.config import app_paths

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def setup_logging(*, verbose: bool = False, to_stderr: bool = False) -> None:
    root = logging.getLogger()
    if getattr(root, "_pack_sortie", False):
        return
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    log_dir = app_paths().log_dir
    try:
        log_dir.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.handlers.RotatingFileHandler(
            log_dir / "pack-sortie.log", maxBytes=2_000_000, backupCount=5, encoding="utf-8"
        )
    except OSError:
        handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(FORMAT))
    root.addHandler(handler)
    if to_stderr:
        err = logging.StreamHandler(sys.stderr)
        err.setLevel(logging.WARNING)
        err.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
        root.addHandler(err)
    # pyHanko logs a traceback per untrusted certificate: the report already says it.
    logging.getLogger("pyhanko.sign.validation.generic_cms").setLevel(logging.ERROR)
    root._pack_sortie = True  # type: ignore[attr-defined]
