"""The self-test's steps on the interface: Qt and its plugins, the main window drawn, the
signed letter rendered by the preview (see :mod:`app.selftest`)."""

from __future__ import annotations

import os
import sys
from typing import Any

from app.selftest_context import SelfTestContext, StepFailed


def _ensure_qt_platform() -> None:
    """Linux without a display gets the offscreen platform; Windows keeps its own (the
    widgets are built but never shown)."""
    if (
        sys.platform.startswith("linux")
        and not os.environ.get("QT_QPA_PLATFORM")
        and not os.environ.get("DISPLAY")
        and not os.environ.get("WAYLAND_DISPLAY")
    ):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"


def _import_gui() -> Any:
    try:
        from app.ui import application
    except ImportError as exc:
        if (exc.name or "").startswith("app.ui"):
            raise StepFailed(
                f"module {exc.name} absent : l'interface graphique n'est pas livrée"
            ) from exc
        raise StepFailed(f"module manquant : {exc.name or exc}") from exc
    return application


def step_qt(ctx: SelfTestContext) -> str:
    _ensure_qt_platform()
    application = _import_gui()
    from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator, qVersion
    from PySide6.QtGui import QIcon, QImageReader

    from app.resources import resource_path

    ctx.qt_app = application.create_application([sys.argv[0] if sys.argv else "PackSortie"])
    problems = []
    formats = {bytes(f.data()).decode() for f in QImageReader.supportedImageFormats()}
    if missing := {"png", "jpeg", "ico"} - formats:
        problems.append("formats d'image absents : " + ", ".join(sorted(missing)))
    icon = resource_path("icons", "pack-sortie.png")
    if QIcon(str(icon)).isNull():
        problems.append(f"icône illisible : {icon}")
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if not QTranslator().load(QLocale(QLocale.Language.French), "qtbase", "_", folder):
        problems.append(f"traduction française de Qt absente de {folder}")
    if problems:
        raise StepFailed("; ".join(problems))
    return f"Qt {qVersion()}, plateforme {ctx.qt_app.platformName()}, traduction française"


def step_main_window(ctx: SelfTestContext) -> str:
    application = _import_gui()
    ctx.need("qt_app")
    window = application.build_main_window(ctx.need("db"), ctx.need("actor"), paths=ctx.paths)
    try:
        pixmap = window.grab()  # lays out and paints every widget without showing anything
        if pixmap.isNull():
            raise StepFailed("la fenêtre n'a pas pu être dessinée")
        title = window.windowTitle()
    finally:
        window.close()
        window.deleteLater()
        ctx.qt_app.processEvents()
    return f"« {title} » construite et dessinée ({pixmap.width()}×{pixmap.height()})"


def step_letter_preview(ctx: SelfTestContext) -> str:
    """The preview renders the signed letter with QtPdf (PDFium), which no other step loads:
    a library it needs missing from the installation fails here, not in front of a user."""
    ctx.need("qt_app")
    try:
        from PySide6.QtCore import QSize
        from PySide6.QtGui import QColor
        from PySide6.QtPdf import QPdfDocument

        from app.ui.pdf_preview import load_pdf, render_page
    except ImportError as exc:
        raise StepFailed(f"aperçu indisponible : {exc}") from exc
    document = QPdfDocument()
    buffer = load_pdf(document, ctx.need("letter_path").read_bytes())
    if buffer is None:
        raise StepFailed("QtPdf ne sait pas lire le courrier signé")
    pages = document.pageCount()
    try:
        image = render_page(document, 0, QSize(420, 594))
        white = QColor("white").rgb()
        inked = sum(image.pixel(x, y) != white for x in range(0, 420, 6) for y in range(0, 594, 6))
    finally:
        document.close()
        buffer.close()
    if inked < 50:
        raise StepFailed("la page rendue est blanche")
    return f"page 1 sur {pages} rendue par QtPdf"
