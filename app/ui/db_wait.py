"""Database work off the GUI thread, so the window never freezes on a locked share.

:func:`run_db` runs one service call (a save, a case load, a search) in a worker thread and
hands its result, or its exception, back to the caller in the GUI thread, as a plain call
would. Meanwhile the window keeps repainting under a busy cursor. Input is held back for the
first instants; when the call is still waiting after :data:`DIALOG_AFTER_MS` (typically
another station holds the lock), a small dialog says so and offers « Annuler »: the worker
then stops waiting at its next step and the call raises
:class:`~app.services.lock_wait.WaitCancelled`, with nothing written.

The call must not touch widgets: gather the form's values before, show the result after.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QEventLoop, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QCursor, QGuiApplication, QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.services.lock_wait import cancellable
from app.ui.workers import worker_thread

log = logging.getLogger(__name__)

DIALOG_AFTER_MS = 400
WAITING_TEXT = (
    "La base de données est occupée par un autre poste (ou le partage répond lentement).\n"
    "Pack Sortie attend qu'elle se libère…"
)
CANCELLING_TEXT = "Annulation… rien ne sera enregistré."


class WaitDialog(QDialog):
    """« La base est occupée… » with a moving bar and « Annuler »; closing it cancels."""

    cancelRequested = Signal()

    def __init__(self, parent: QWidget | None, label: str) -> None:
        super().__init__(parent)
        self.setObjectName("dbWaitDialog")
        self.setWindowTitle("Pack Sortie — " + label)
        self.setWindowModality(Qt.WindowModality.ApplicationModal)
        layout = QVBoxLayout(self)
        self.text = QLabel(WAITING_TEXT)
        self.text.setWordWrap(True)
        layout.addWidget(self.text)
        bar = QProgressBar()
        bar.setRange(0, 0)  # busy: the bar moves, so the user sees the application is alive
        bar.setTextVisible(False)
        layout.addWidget(bar)
        buttons = QDialogButtonBox()
        self.cancel_button: QPushButton = buttons.addButton(
            "Annuler", QDialogButtonBox.ButtonRole.RejectRole
        )
        self.cancel_button.clicked.connect(self.request_cancel)
        layout.addWidget(buttons)
        self.setMinimumWidth(440)

    def request_cancel(self) -> None:
        if not self.cancel_button.isEnabled():
            return
        self.cancel_button.setEnabled(False)
        self.text.setText(CANCELLING_TEXT)
        self.cancelRequested.emit()

    # Escape and the window's close button cancel too; the dialog stays until the work ends.
    def reject(self) -> None:
        self.request_cancel()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.request_cancel()
            return
        super().keyPressEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.request_cancel()
        event.ignore()


class _Call(QObject):
    """The worker side: runs the call under the cancel check, then says so."""

    done = Signal()

    def __init__(self, action: Callable[[], object], stop: threading.Event) -> None:
        super().__init__()
        self._action, self._stop = action, stop
        self.result: object = None
        self.error: BaseException | None = None
        self.over = False  # set in the worker before ``done``: read once the thread ends

    def run(self) -> None:
        try:
            with cancellable(self._stop.is_set):
                self.result = self._action()
        except BaseException as exc:
            self.error = exc
        finally:
            self.over = True
            self.done.emit()


_current_dialog: list[WaitDialog] = []  # the dialog on screen, if any (tests press Annuler)


def current_wait_dialog() -> WaitDialog | None:
    return _current_dialog[-1] if _current_dialog else None


def run_db[T](parent: QWidget | None, action: Callable[[], T], label: str = "Base occupée") -> T:
    """``action()`` in a worker thread; its result (or exception) here, in the GUI thread.
    Without a running Qt GUI application (a script, a test of a model alone), simply
    ``action()``."""
    if not isinstance(QCoreApplication.instance(), QGuiApplication):
        return action()
    stop = threading.Event()
    call = _Call(action, stop)
    # The worker's thread ends itself: a quit queued to this thread could still wait here
    # when the call ended just as the first instants ran out (no dialog, no loop running),
    # and thread.wait() below never returned (seen once in CI).
    thread = worker_thread(call, call.run, call.done)
    loop = QEventLoop()
    # Queued to this thread: delivered by loop.exec() even if the call ends before it runs.
    thread.finished.connect(loop.quit, Qt.ConnectionType.QueuedConnection)
    first_instants = QTimer()
    first_instants.setSingleShot(True)
    first_instants.timeout.connect(loop.quit)
    QGuiApplication.setOverrideCursor(QCursor(Qt.CursorShape.WaitCursor))
    dialog: WaitDialog | None = None
    try:
        thread.start()
        first_instants.start(DIALOG_AFTER_MS)
        # Repaints and timers go on; clicks and keys wait until the call is over.
        loop.exec(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)
        first_instants.stop()
        if not call.over:
            log.info("Database call still waiting after %d ms: showing the wait", DIALOG_AFTER_MS)
            dialog = WaitDialog(parent, label)
            dialog.cancelRequested.connect(stop.set)
            _current_dialog.append(dialog)
            dialog.show()
            while not call.over:
                loop.exec()
    finally:
        if dialog is not None:
            _current_dialog.remove(dialog)
            dialog.hide()
            dialog.deleteLater()
        QGuiApplication.restoreOverrideCursor()
        thread.wait()
    if stop.is_set():
        log.info("Database wait cancelled by the user")
    if call.error is not None:
        raise call.error
    return call.result  # type: ignore[return-value]
