"""The one way to find bundled files, from source, from an installed package or frozen."""

from __future__ import annotations

import sys
from pathlib import Path

_APP_DIR = Path(__file__).resolve().parent


def _bundle_root() -> Path:
    frozen_root = getattr(sys, "_MEIPASS", None)
    return Path(frozen_root) if frozen_root else _APP_DIR.parent


def migrations_dir() -> Path:
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        return Path(frozen_root) / "app" / "migrations"
    return _APP_DIR / "migrations"


def resource_path(*parts: str) -> Path:
    """A file under ``resources/`` (icons, fonts, logo, letter templates)."""
    return _bundle_root().joinpath("resources", *parts)
