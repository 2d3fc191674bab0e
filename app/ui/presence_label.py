"""The status bar's « who else is connected » part, and this station's heartbeat behind it."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QWidget

from app.services.actor import Actor
from app.services.presence import Heartbeat, Station
from app.services.storage import Database

REFRESH_MS = 5_000  # the label reads the heartbeat's latest list; only the beat queries


def presence_text(others: list[Station]) -> str:
    if not others:
        return "Seul poste connecté"
    s = "s" if len(others) > 1 else ""
    return f"{len(others)} autre{s} poste{s} connecté{s}"


def presence_tooltip(others: list[Station]) -> str:
    if not others:
        return "Aucun autre poste n'a cette base ouverte."
    return "Ont aussi cette base ouverte :\n" + "\n".join(s.label for s in others)


class PresenceLabel(QLabel):
    """Hidden until a heartbeat runs (not on a read-only or damaged base)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("presenceLabel")
        self.heartbeat: Heartbeat | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        self.setVisible(False)

    def attach(self, db: Database, actor: Actor) -> None:
        """Start this station's presence on ``db`` (leaving the previous base first)."""
        self.detach()
        heartbeat = Heartbeat(db, actor)
        if not heartbeat.enabled:
            return
        self.heartbeat = heartbeat
        heartbeat.start()
        self._timer.start()
        self.refresh()

    def detach(self) -> None:
        """Leave the base: before it is closed, switched or restored."""
        self._timer.stop()
        if self.heartbeat is not None:
            self.heartbeat.stop()
            self.heartbeat = None
        self.setVisible(False)

    @property
    def token(self) -> str:
        return self.heartbeat.token if self.heartbeat is not None else ""

    def refresh(self) -> None:
        others = self.heartbeat.others if self.heartbeat is not None else None
        if others is None:  # first beat not done yet
            return
        self.setText(presence_text(others))
        self.setToolTip(presence_tooltip(others))
        self.setVisible(True)
