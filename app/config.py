"""Where things live (platformdirs) and the workstation's own settings (JSON file).

``PACK_SORTIE_HOME`` points every path into one folder: used by tests, portable installs
and administrators who want the data on another disk.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

from app import APP_SLUG, ORG_NAME

log = logging.getLogger(__name__)

HOME_ENV = "PACK_SORTIE_HOME"


@dataclass(frozen=True)
class Paths:
    data_dir: Path
    config_dir: Path
    log_dir: Path

    @property
    def config_file(self) -> Path:
        return self.config_dir / "poste.json"

    @property
    def default_database(self) -> Path:
        return self.data_dir / "pack-sortie.sqlite"

    @property
    def demo_database(self) -> Path:
        return self.data_dir / "demo-pack-sortie.sqlite"


def app_paths() -> Paths:
    home = os.environ.get(HOME_ENV)
    if home:
        root = Path(home)
        return Paths(root / "data", root / "config", root / "logs")
    return Paths(
        Path(platformdirs.user_data_dir(APP_SLUG, ORG_NAME)),
        Path(platformdirs.user_config_dir(APP_SLUG, ORG_NAME)),
        Path(platformdirs.user_log_dir(APP_SLUG, ORG_NAME)),
    )


@dataclass
class WorkstationConfig:
    """What this workstation remembers: which database it works on, recent files."""

    database: str = ""
    shared: bool | None = None  # None: detect from the path
    recent: list[str] = field(default_factory=list)
    certificate: str = ""  # PKCS#12 file of this workstation's signer (never its passphrase)
    # The département server's profile (host, port, database, user), never its password:
    # see app/services/server_connection.py. Empty: no server used on this workstation.
    server: dict[str, Any] = field(default_factory=dict)

    def remember(self, database: str, shared: bool | None) -> None:
        self.database, self.shared = database, shared
        self.recent = [database] + [p for p in self.recent if p != database][:7]


def load_config(paths: Paths | None = None) -> WorkstationConfig:
    file = (paths or app_paths()).config_file
    try:
        raw = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return WorkstationConfig()
    except (OSError, ValueError) as exc:
        log.warning("Unreadable workstation config %s (%s); starting from defaults", file, exc)
        return WorkstationConfig()
    known = {k: raw[k] for k in ("database", "shared", "recent", "certificate") if k in raw}
    if isinstance(raw.get("server"), dict):
        known["server"] = {k: v for k, v in raw["server"].items() if k != "password"}
    return WorkstationConfig(**known)


def save_config(config: WorkstationConfig, paths: Paths | None = None) -> None:
    file = (paths or app_paths()).config_file
    file.parent.mkdir(parents=True, exist_ok=True)
    tmp = file.with_suffix(".tmp")
    tmp.write_text(json.dumps(asdict(config), indent=2, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, file)
