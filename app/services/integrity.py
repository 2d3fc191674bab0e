"""``check``: verify a database without changing it (identity, schema, integrity)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.services.errors import DatabaseUnavailable, UserFacingError
from app.services.schema import head_revision, known_revisions, probe_file
from app.services.sqlite_file import WalMode, is_wal


@dataclass
class CheckReport:
    location: str
    lines: list[tuple[bool, str]] = field(default_factory=list)
    refused: bool = False  # not a Pack Sortie database at all (exit code 2)
    unavailable: bool = False  # locked by another station, unreachable: retry (exit code 3)

    @property
    def ok(self) -> bool:
        return not (self.refused or self.unavailable) and all(p for p, _ in self.lines)

    @property
    def exit_code(self) -> int:
        """0 sound, 1 a problem found, 2 not a Pack Sortie base, 3 not checkable now."""
        if self.ok:
            return 0
        return 3 if self.unavailable else 2 if self.refused else 1

    def add(self, passed: bool, text: str) -> None:
        self.lines.append((passed, text))

    def as_text(self) -> str:
        out = [f"Contrôle de {self.location}"]
        out += [f"  [{'OK' if passed else 'ÉCHEC'}] {text}" for passed, text in self.lines]
        out.append("Résultat : base saine." if self.ok else "Résultat : problème détecté.")
        return "\n".join(out)


def check_database(location: str | Path) -> CheckReport:
    if "://" in str(location) and not str(location).startswith("file:"):
        return check_server(str(location))
    path = Path(location)
    report = CheckReport(str(path))
    if not path.exists():
        report.refused = True
        report.add(False, "Fichier introuvable.")
        return report
    try:
        probe = probe_file(path)
    except DatabaseUnavailable as exc:
        report.unavailable = True
        report.add(False, exc.message + " Contrôle à refaire plus tard.")
        return report
    except UserFacingError as exc:
        report.refused = True
        report.add(False, exc.message)
        return report
    if probe.empty:
        report.refused = True
        report.add(False, "Le fichier est vide : ce n'est pas encore une base Pack Sortie.")
        return report
    report.add(True, "Fichier SQLite d'identifiant Pack Sortie (application_id).")
    if is_wal(path):
        report.add(False, WalMode(path).message)
    else:
        report.add(True, "Journal classique (pas de mode WAL).")
    _revision(report, probe.revision)
    conn = sqlite3.connect(f"file:{path.as_posix()}?mode=ro", uri=True, timeout=15)
    try:
        problems = [r[0] for r in conn.execute("PRAGMA integrity_check")]
        if problems == ["ok"]:
            report.add(True, "Intégrité du fichier vérifiée (integrity_check).")
        else:
            report.add(False, "Fichier endommagé : " + "; ".join(problems[:5]))
        orphans = conn.execute("PRAGMA foreign_key_check").fetchall()
        if orphans:
            tables = sorted({r[0] for r in orphans})
            report.add(False, f"{len(orphans)} références orphelines ({', '.join(tables)}).")
        else:
            report.add(True, "Références entre tables cohérentes (foreign_key_check).")
        _unfinished_imports(lambda sql: conn.execute(sql).fetchall(), report)
    except sqlite3.DatabaseError as exc:
        report.add(False, f"Lecture impossible : {exc}")
    finally:
        conn.close()
    return report


def _revision(report: CheckReport, revision: str | None, *, backed_up: bool = True) -> None:
    head = head_revision()
    if revision == head:
        report.add(True, f"Schéma à jour (révision {head}).")
    elif revision in known_revisions():
        report.add(
            False,
            f"Schéma ancien ({revision}, actuel {head}) : il sera mis à jour "
            f"{'(après sauvegarde) ' if backed_up else ''}à la prochaine ouverture.",
        )
    else:
        report.add(
            False,
            f"Schéma inconnu ({revision}) : base créée par une version "
            "plus récente de l'application.",
        )


def check_server(url: str) -> CheckReport:
    """The same questions of a server base, read-only: reachable, ours, at which schema,
    every table there (the server itself keeps the references and the pages sound)."""
    from sqlalchemy import inspect
    from sqlalchemy.exc import DBAPIError

    from app.models import Base
    from app.services.storage import server_engine, translate_error

    engine = server_engine(url)
    report = CheckReport(engine.url.render_as_string(hide_password=True))
    try:
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            if "alembic_version" not in tables:
                report.refused = True
                report.add(False, "Cette base du serveur n'est pas une base Pack Sortie.")
                return report
            revision = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
            report.add(True, "Base PostgreSQL de Pack Sortie (table alembic_version).")
            _revision(report, revision, backed_up=False)
            missing = sorted(set(Base.metadata.tables) - tables)
            if missing:
                report.add(False, f"Tables absentes : {', '.join(missing)}.")
            else:
                report.add(
                    True,
                    "Toutes les tables sont présentes ; le serveur garantit les "
                    "références entre elles (clés étrangères).",
                )
            _unfinished_imports(lambda sql: conn.exec_driver_sql(sql).fetchall(), report)
    except DBAPIError as exc:
        translated = translate_error(exc)
        report.unavailable = True
        message = getattr(translated, "message", "") or "Serveur injoignable."
        report.add(False, f"{message} Contrôle à refaire plus tard.")
    finally:
        engine.dispose()
    return report


def _unfinished_imports(rows: Callable[[str], Sequence[Any]], report: CheckReport) -> None:
    """An import a crash cut off is undone by the next import: said, not a failure."""
    try:
        runs = rows(
            "SELECT file_name, user_login, workstation FROM import_run WHERE status = 'applying'"
        )
    except sqlite3.OperationalError:  # a base older than the import runs
        return
    for file_name, login, workstation in runs:
        report.add(
            True,
            f"Import de « {file_name} » ({login}, poste {workstation}) en cours ou interrompu : "
            "s'il a été interrompu, le prochain import l'annulera entièrement.",
        )
