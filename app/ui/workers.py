"""Long work (imports, demo database, batches) off the GUI thread, with progress and cancel.

``run_with_progress`` runs ``job(progress, cancelled)`` in a worker thread while a modal
progress dialog keeps the GUI responsive; it returns the job's result, or raises what the
job raised, in the GUI thread. ``progress(done, total)`` may be called from the worker.
"""

from __future__ import annotations

import atexit
import threading
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import (
    QCoreApplication,
    QEventLoop,
    QObject,
    Qt,
    QThread,
    Signal,
    SignalInstance,
)
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


def worker_thread(worker: QObject, run: Callable[[], object], done: SignalInstance) -> QThread:
    """A thread (not started) that ``worker`` lives in: it calls ``run`` when started and
    quits when ``worker`` emits ``done``: directly, in the worker's thread (QThread.quit is
    thread-safe), so its end never waits for the GUI thread's event loop."""
    thread = QThread()
    worker.moveToThread(thread)
    thread.started.connect(run)
    done.connect(thread.quit, Qt.ConnectionType.DirectConnection)
    return thread


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
        except BaseException as exc:
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
    thread = worker_thread(worker, worker.run, worker.finished)
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


_ALIVE: set[_Job] = set()  # running jobs, kept until their thread ends (even if the screen goes)


class _Job(QObject):
    """One background job: its thread, its worker, and the relay (living in the GUI thread)
    that hands the outcome back there. Held in ``_ALIVE`` until its thread has ended, so a
    screen closed during a load never destroys a running thread."""

    def __init__(self, owner: Background, job: Callable[[], Any], generation: int) -> None:
        super().__init__()
        self.owner, self.generation = owner, generation
        self.worker = _Worker(lambda _progress, _cancelled: job())
        # ``runner``, not ``thread``: QObject.thread() is a method
        self.runner = worker_thread(self.worker, self.worker.run, self.worker.finished)
        self.runner.finished.connect(self.on_finished, Qt.ConnectionType.QueuedConnection)
        app = QCoreApplication.instance()
        if app is not None and not app.property("packSortieWaitsForJobs"):
            app.setProperty("packSortieWaitsForJobs", True)  # once per application
            app.aboutToQuit.connect(wait_for_jobs)  # quitting during a load waits for it
        _ALIVE.add(self)

    def on_finished(self) -> None:
        self.runner.wait()
        _ALIVE.discard(self)
        if shiboken6.isValid(self.owner):
            self.owner._done(self)


def wait_for_jobs() -> None:
    """Block until every background job's thread has ended (the application quits)."""
    for job in list(_ALIVE):
        job.runner.wait()


atexit.register(wait_for_jobs)


class Background(QObject):
    """Runs jobs off the GUI thread without a dialog, for a screen that stays usable while
    it loads (the « Tableau de bord »): ``finished(result)`` or ``failed(exception)`` come
    back in the GUI thread. Starting a job while one runs supersedes it: the older job's
    result is dropped, so the screen always shows what was asked last."""

    finished = Signal(object)
    failed = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._generation = 0
        self._running: list[_Job] = []

    @property
    def busy(self) -> bool:
        return bool(self._running)

    def start(self, job: Callable[[], Any]) -> None:
        self._generation += 1
        running = _Job(self, job, self._generation)
        self._running.append(running)
        running.runner.start()

    def _done(self, job: _Job) -> None:
        self._running = [j for j in self._running if j is not job]
        if job.generation != self._generation:
            return  # superseded by a later job
        if job.worker.error is not None:
            self.failed.emit(job.worker.error)
        else:
            self.finished.emit(job.worker.result)

    def wait(self) -> None:
        """Block until this screen's jobs' threads have ended (tests); their outcome still
        arrives through the event loop."""
        for job in list(self._running):
            job.runner.wait()
