"""The dialogs of the main window's Documents, Administration and Aide menus: the letters
batch, checking a signed PDF, the signing certificate, payments, settings, « À propos ».

Each dialog's module is imported when it is first opened, not with the window.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app import APP_NAME, __version__
from app.ui import dialogs, status
from app.ui.window_parts import WindowParts

if TYPE_CHECKING:
    from app.ui.signer_setup import SignerSession


class DialogActions(WindowParts):
    """The main window's part that runs its menus' dialogs (see module docstring)."""

    # --- documents -------------------------------------------------------------------------

    @property
    def signer_session(self) -> SignerSession:
        """This window's signing certificate, opened once per session (on first use)."""
        session: SignerSession | None = self.__dict__.get("_signer_session")
        if session is None:
            from app.ui.signer_setup import SignerSession

            session = self.__dict__["_signer_session"] = SignerSession(self.paths)
        return session

    def show_letters_batch(self) -> None:
        from app.ui import case_widgets
        from app.ui.letters_batch import LettersBatchDialog

        dialog = LettersBatchDialog(self.db, self.actor, self.signer_session, self)
        try:
            case_widgets.exec_dialog(dialog)
        finally:
            dialog.deleteLater()
        if dialog.batch_result is not None and dialog.batch_result.produced:
            self.tabs.reload_cases()

    def verify_signed_pdf(self) -> None:
        from app.ui.verify_dialog import verify_file

        verify_file(self, self.db)

    def configure_signer(self) -> None:
        self.signer_session.configure(self)

    # --- administration --------------------------------------------------------------------

    def show_payments(self) -> None:
        from app.ui import case_widgets
        from app.ui.payments_dialog import PaymentsDialog

        dialog = PaymentsDialog(self.db, self.actor, self)
        try:
            case_widgets.exec_dialog(dialog)
        finally:
            dialog.deleteLater()

    def show_settings(self) -> None:
        if not self.actor.is_admin:
            return
        from app.ui.admin_dialog import AdminDialog

        dialog = AdminDialog(self.db, self.actor, self)
        try:
            dialog.exec()
        finally:
            dialog.deleteLater()

    def show_about(self) -> None:
        actor = self.actor
        dialogs.show_info(
            self,
            f"{APP_NAME} {__version__}\n"
            "Suivi du Pack sortie RSA : accompagnement et aides financières "
            "à la reprise d'emploi.\n\n"
            f"Base de données : {self.db.location}\n"
            f"Mode : {status.mode_text(self.db, self.paths.demo_database)}\n"
            f"Utilisateur : {actor.display} (session {actor.login}, poste {actor.workstation})\n"
            f"Journaux : {self.paths.log_dir}",
            title=f"À propos de {APP_NAME}",
        )
