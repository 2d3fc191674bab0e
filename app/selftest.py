"""``self-test``: prove that this installation works, end to end, in a throw-away folder.

Run on a workstation (``PackSortie.exe self-test``), in CI against the frozen folder, and
from source. Every step goes through the real code path -- migrations loaded from their
files, the real services, the real main window -- so that a resource or a hidden import
missing from the PyInstaller bundle fails here and not in front of a référent.

Nothing of the user's is touched: the database, configuration and window settings live in a
temporary folder (``PACK_SORTIE_HOME`` points there while the test runs) that is removed at
the end. Only the log file is the usual one, so that a failure can be read there later.

The steps are a list (:data:`STEPS`) of :class:`Step`; a step receives the shared
:class:`SelfTestContext`, returns a short detail for its line and raises to fail. The case
and documents issues append theirs: create a case, grant it, produce and sign a letter with
a throw-away certificate, verify the signature.

The steps are in ``selftest_steps`` (base and services) and ``selftest_gui_steps`` (the
interface), what they share in ``selftest_context``; this module lists and runs them.
"""

from __future__ import annotations

import logging
import os
import platform
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from app import APP_NAME, __version__
from app.config import HOME_ENV
from app.selftest_context import SelfTestContext, Step, StepFailed, StepResult
from app.selftest_gui_steps import step_letter_preview, step_main_window, step_qt
from app.selftest_steps import (
    step_actor,
    step_bundled_files,
    step_case_granted,
    step_create_database,
    step_integrity,
    step_payment_batch,
    step_save_beneficiary,
    step_search,
    step_signed_letter,
)

__all__ = [
    "FAILED",
    "OK",
    "STEPS",
    "SelfTestContext",
    "Step",
    "StepFailed",
    "StepResult",
    "run_self_test",
    "run_steps",
    "step_actor",
    "step_bundled_files",
    "step_case_granted",
    "step_create_database",
    "step_integrity",
    "step_letter_preview",
    "step_main_window",
    "step_payment_batch",
    "step_qt",
    "step_save_beneficiary",
    "step_search",
    "step_signed_letter",
]

log = logging.getLogger(__name__)

OK, FAILED = "OK", "ÉCHEC"

STEPS: list[Step] = [
    Step("Fichiers de l'application / bundled files", step_bundled_files),
    Step("Base temporaire créée et migrée / database created", step_create_database),
    Step("Contrôle d'intégrité / integrity check", step_integrity),
    Step("Utilisateur du poste / workstation user", step_actor),
    Step("Bénéficiaire enregistré / beneficiary saved", step_save_beneficiary),
    Step("Recherche accentuée / accented search", step_search),
    Step("Dossier accordé dans l'enveloppe / case granted", step_case_granted),
    Step("Courrier signé et vérifié / signed letter", step_signed_letter),
    Step("Lot de paiement CSV et SEPA / payment batch", step_payment_batch),
    Step("Qt : images, icône, traduction / Qt plugins", step_qt),
    Step("Fenêtre principale / main window", step_main_window),
    Step("Aperçu du courrier / letter preview", step_letter_preview),
    # The case and documents issues append their steps here (see the module docstring).
]

# --- running them ---------------------------------------------------------------------------


@contextmanager
def _isolated_home(folder: Path) -> Iterator[None]:
    previous = os.environ.get(HOME_ENV)
    os.environ[HOME_ENV] = str(folder)
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(HOME_ENV, None)
        else:
            os.environ[HOME_ENV] = previous


def _writer(out: TextIO | None) -> Callable[[str], None]:
    def write(line: str) -> None:
        stream = out if out is not None else sys.stdout
        if stream is None:  # windowed executable without a console: results are logged
            return
        try:
            stream.write(line + "\n")
        except UnicodeEncodeError:  # an old code page: keep the line, lose the accents
            encoding = getattr(stream, "encoding", None) or "ascii"
            stream.write(line.encode(encoding, "replace").decode(encoding) + "\n")
        stream.flush()

    return write


def run_steps(
    steps: Sequence[Step], ctx: SelfTestContext, report: Callable[[StepResult], None]
) -> list[StepResult]:
    """Run every step (a failed one does not stop the others); report each as it ends."""
    results = []
    for step in steps:
        try:
            detail = step.run(ctx)
            passed = True
        except StepFailed as exc:
            passed, detail = False, str(exc)
        except Exception as exc:
            passed, detail = False, f"{type(exc).__name__} : {exc}"
            log.exception("Self-test step %r raised", step.label)
        detail = " ".join(detail.split())  # one line per step, whatever the message
        result = StepResult(step, passed, detail)
        log.info(
            "Self-test [%s] %s: %s",
            OK if passed else FAILED,
            step.label,
            detail,
        )
        report(result)
        results.append(result)
    return results


def run_self_test(out: TextIO | None = None, steps: Sequence[Step] | None = None) -> int:
    """Run every step, print one line each; 0 when all passed, 1 otherwise."""
    write = _writer(out)
    steps = STEPS if steps is None else steps
    width = max((len(s.label) for s in steps), default=0)

    def report(r: StepResult) -> None:
        status = f"[{OK if r.passed else FAILED}]".ljust(len(FAILED) + 2)
        write(f"{status} {r.step.label.ljust(width)}  {r.detail}")

    frozen = " (exécutable autonome)" if getattr(sys, "frozen", False) else ""
    write(
        f"{APP_NAME} {__version__}{frozen} — auto-test / self-test "
        f"(Python {platform.python_version()}, {platform.system()} {platform.release()})"
    )
    with tempfile.TemporaryDirectory(
        prefix="pack-sortie-auto-test-", ignore_cleanup_errors=True
    ) as tmp:
        ctx = SelfTestContext(Path(tmp))
        with _isolated_home(ctx.workdir):
            try:
                results = run_steps(steps, ctx, report)
            finally:
                for cleanup in reversed(ctx.cleanups):
                    try:
                        cleanup()
                    except Exception:
                        log.exception("Self-test cleanup failed")
    failed = sum(not r.passed for r in results)
    if failed:
        write(f"Résultat / result : {failed} étape(s) en ÉCHEC sur {len(results)}.")
        return 1
    write(f"Résultat / result : tout est OK ({len(results)} étapes).")
    return 0
