"""Long work (imports, demo database, batches) off the GUI thread, with progress and cancel.

``run_with_progress`` runs ``job(progress, cancelled)`` in a worker thread while a modal
progress dialog keeps the GUI responsive; it returns the job's result, or raises what the
job raised, in the GUI thread. ``progress(done, total)`` may be called from the worker.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEventLoop, QObject, Qt, QThread, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

Job = Callable[[Callable[[int, int], None], Callable[[], bool]], Any]


class JobCancelled(Exception):
    """Raised inside a job when the user pressed Annuler (the job rolls back)."""


class _ProgressRelay(QObject):
    """Lives in the GUI thread, so the queued progress signal updates the dialog there
    (a plain function slot would run in the worker thread and crash Qt)."""

    def __init__(self, dialog: QProgressDialog) -> None:
        super().__init__(dialog)
        self._dialog = dialog

    def on_progress(self, done: int, total: int) -> None:
        self._dialog.setMaximum(max(total, 0))
        self._dialog.setValue(min(done, total) if total else 0)


class _Worker(QObject):
    progressed = Signal(int, int)
    finished = Signal()

    def __init__(self, job: Job) -> None:
        super().__init__()
        self._job = job
        self.cancel_event = threading.Event()
        self.result: Any = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.result = self._job(self.progressed.emit, self.cancel_event.is_set)
        except BaseException as exc:  # noqa: BLE001 - handed back to the GUI thread
            self.error = exc
        finally:
            self.finished.emit()


def run_with_progress(
    parent: QWidget | None, label: str, job: Job, cancellable: bool = True
) -> Any:
    dialog = QProgressDialog(label, "Annuler" if cancellable else "", 0, 0, parent)
    dialog.setWindowTitle("Pack Sortie")
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setMinimumDuration(300)
    if not cancellable:
        dialog.setCancelButton(None)
    worker = _Worker(job)
    thread = QThread()
    worker.moveToThread(thread)
    thread.started.connect(worker.run)
    worker.finished.connect(thread.quit)
    loop = QEventLoop()
    # Queued to this thread: delivered by loop.exec() even if the job ends before it starts.
    thread.finished.connect(loop.quit, Qt.ConnectionType.QueuedConnection)

    relay = _ProgressRelay(dialog)
    worker.progressed.connect(relay.on_progress, Qt.ConnectionType.QueuedConnection)
    dialog.canceled.connect(worker.cancel_event.set)
    thread.start()
    dialog.show()
    loop.exec()
    thread.wait()
    dialog.close()
    if worker.error is not None:
        raise worker.error
    return worker.result
