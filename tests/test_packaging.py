"""Packaging files: the PyInstaller spec, the NSIS script, the icon, the frozen file layout.

The real build is in .ci/run (installer/build.sh, then the frozen self-test); these tests
are the quick static checks.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
INSTALLER = ROOT / "installer"
SPEC = INSTALLER / "pack_sortie.spec"
NSI = INSTALLER / "pack_sortie.nsi"
MIGRATIONS = ROOT / "app" / "migrations"


class _Analysis:
    def __init__(self, scripts, **kwargs):
        self.scripts_in = scripts
        self.kwargs = kwargs
        self.binaries: list = []
        self.datas: list = []
        self.pure: list = []
        self.scripts: list = []


@pytest.fixture(scope="module")
def spec():
    """Run the spec as PyInstaller does, with its build steps replaced by recorders."""
    pytest.importorskip("PyInstaller")
    recorded: dict = {}

    def analysis(scripts, **kwargs):
        recorded["analysis"] = _Analysis(scripts, **kwargs)
        return recorded["analysis"]

    namespace = {
        "__name__": "__main__",
        "__file__": str(SPEC),
        "SPECPATH": str(INSTALLER),
        "Analysis": analysis,
        "PYZ": lambda *args, **kwargs: recorded.setdefault("pyz", (args, kwargs)),
        "EXE": lambda *args, **kwargs: recorded.setdefault("exe", kwargs),
        "COLLECT": lambda *args, **kwargs: recorded.setdefault("collect", kwargs),
    }
    exec(compile(SPEC.read_text(encoding="utf-8"), str(SPEC), "exec"), namespace)
    namespace["recorded"] = recorded
    return namespace


def test_spec_is_python():
    ast.parse(SPEC.read_text(encoding="utf-8"), filename=str(SPEC))


def test_spec_carries_the_migrations_as_files(spec):
    datas = {(Path(src).resolve(), Path(dst).as_posix()) for src, dst in spec["datas"]}
    for path in [*MIGRATIONS.glob("*.py"), MIGRATIONS / "script.py.mako"]:
        assert (path.resolve(), "app/migrations") in datas, path
    versions = list(MIGRATIONS.glob("versions/*.py"))
    assert versions
    for path in versions:
        assert (path.resolve(), "app/migrations/versions") in datas, path


def test_spec_carries_the_resources(spec):
    datas = {(Path(src).resolve(), Path(dst).as_posix()) for src, dst in spec["datas"]}
    for name in ("pack-sortie.png", "pack-sortie.ico"):
        assert (ROOT / "resources" / "icons" / name, "resources/icons") in datas
    assert not any(src.suffix == ".py" and dst.startswith("resources") for src, dst in datas)


def test_spec_hidden_imports(spec):
    hidden = set(spec["recorded"]["analysis"].kwargs["hiddenimports"])
    # What the migration files, loaded from disk by Alembic, import.
    assert {
        "app.migrations.fts",
        "app.migrations.env_filters",
        "app.models",
        "alembic.op",
    } <= hidden
    # Lazily imported application modules.
    assert {"app.ui.application", "app.services.selftest", "app.services.integrity"} <= hidden
    assert not any(name.startswith("app.migrations.versions") for name in hidden)


def test_spec_excludes_unused_qt(spec):
    excludes = set(spec["recorded"]["analysis"].kwargs["excludes"])
    for module in (
        "QtQml",
        "QtQuick",
        "QtNetwork",
        "Qt3DCore",
        "QtMultimedia",
        "QtWebEngineCore",
        "QtSql",
        "QtTest",
        "QtOpenGL",
        "QtSvg",
    ):
        assert f"PySide6.{module}" in excludes
    assert {"PySide6.QtCore", "PySide6.QtGui", "PySide6.QtWidgets"}.isdisjoint(excludes)


@pytest.mark.parametrize(
    ("dest", "kept"),
    [
        ("PySide6/Qt/plugins/platforms/libqxcb.so", True),
        ("PySide6/Qt/plugins/platforms/libqoffscreen.so", True),
        ("PySide6/Qt/plugins/platforms/libqeglfs.so", False),
        ("PySide6/Qt/plugins/platformthemes/libqgtk3.so", False),
        ("PySide6/Qt/plugins/imageformats/libqjpeg.so", True),
        ("PySide6/Qt/plugins/imageformats/libqtiff.so", False),
        ("PySide6/Qt/plugins/iconengines/libqsvgicon.so", False),
        ("PySide6/Qt/translations/qtbase_fr.qm", True),
        ("PySide6/Qt/translations/qtbase_de.qm", False),
        # Windows wheel layout.
        ("PySide6/plugins/platforms/qwindows.dll", True),
        ("PySide6/plugins/imageformats/qico.dll", True),
        ("PySide6/plugins/styles/qmodernwindowsstyle.dll", True),
        ("PySide6/plugins/tls/qschannelbackend.dll", False),
        ("PySide6/translations/qt_fr.qm", True),
        ("PySide6/translations/qt_help_fr.qm", False),
        ("PySide6/opengl32sw.dll", False),
        # Not Qt: untouched.
        ("PySide6/Qt/lib/libQt6Core.so.6", True),
        ("app/migrations/versions/0001_initial_schema.py", True),
    ],
)
def test_spec_plugin_and_translation_filter(spec, dest, kept):
    assert spec["keep_entry"](dest) is kept


def test_spec_executable(spec):
    exe = spec["recorded"]["exe"]
    assert exe["name"] == "PackSortie"
    assert exe["console"] is (sys.platform != "win32")
    assert spec["ICON"].is_file()
    if sys.platform == "win32":
        assert Path(exe["icon"]) == spec["ICON"]
    assert spec["recorded"]["collect"]["name"] == "PackSortie"


def test_spec_windows_version_info(spec):
    pytest.importorskip("pefile")  # PyInstaller installs it on Windows only
    from app import __version__

    info = str(spec["windows_version_info"]())
    assert __version__ in info
    assert "PackSortie.exe" in info


def test_icon_files_are_valid():
    png = ROOT / "resources" / "icons" / "pack-sortie.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    ico = (ROOT / "resources" / "icons" / "pack-sortie.ico").read_bytes()
    reserved, kind, count = struct.unpack_from("<HHH", ico)
    assert (reserved, kind) == (0, 1)
    sizes = {ico[6 + 16 * n] or 256 for n in range(count)}
    assert {16, 32, 48, 256} <= sizes


def test_frozen_layout_is_found_through_app_resources(tmp_path, monkeypatch):
    from app import resources

    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert resources.migrations_dir() == tmp_path / "app" / "migrations"
    assert resources.resource_path("icons", "pack-sortie.png") == (
        tmp_path / "resources" / "icons" / "pack-sortie.png"
    )


def test_build_scripts_exist():
    assert os.access(INSTALLER / "build.sh", os.X_OK)
    assert "pack_sortie.spec" in (INSTALLER / "build.ps1").read_text(encoding="utf-8")
    assert "makensis" in (INSTALLER / "build.ps1").read_text(encoding="utf-8")
    assert '"self-test"' in (INSTALLER / "self-test.ps1").read_text(encoding="utf-8")
    workflow = (ROOT / ".github" / "workflows" / "windows-installer.yml").read_text("utf-8")
    for needle in ("windows-latest", '"3.12"', "build.ps1", "self-test", "upload-artifact"):
        assert needle in workflow


# --- NSIS ---------------------------------------------------------------------------------


def _nsi() -> str:
    return NSI.read_text(encoding="utf-8")


def _uninstall_section() -> str:
    text = _nsi()
    start = text.index('Section "Uninstall"')
    return text[start : text.index("SectionEnd", start)]


def test_nsis_installs_per_user_without_admin_rights():
    text = _nsi()
    assert re.search(r"^RequestExecutionLevel user$", text, re.M)
    assert "RequestExecutionLevel admin" not in text
    assert r'InstallDir "$LOCALAPPDATA\Programs\PackSortie"' in text
    assert "HKLM" not in text
    assert 'WriteRegStr HKCU "${UNINSTALL_KEY}" "UninstallString"' in text
    assert '!insertmacro MUI_LANGUAGE "French"' in text
    assert "$SMPROGRAMS" in text and "$DESKTOP" in text


def test_nsis_uninstaller_leaves_user_data_alone():
    section = _uninstall_section()
    removals = re.findall(r"^\s*(?:RMDir|Delete)(?:\s+/r)?\s+\"([^\"]+)\"", section, re.M)
    assert removals
    for target in removals:
        assert target.startswith(("$INSTDIR\\", "$SMPROGRAMS\\", "$DESKTOP\\")) or (
            target == "$INSTDIR"
        ), target
    # $INSTDIR itself is only removed when empty (no /r): never a recursive delete of it.
    assert not re.search(r'RMDir\s+/r\s+"\$INSTDIR"', section)
    assert "PAS supprimés" in _nsi()  # said on the uninstall page


def test_nsis_version_comes_from_a_define():
    text = _nsi()
    assert "!ifndef VERSION" in text
    assert '"DisplayVersion" "${VERSION}"' in text


@pytest.mark.skipif(shutil.which("makensis") is None, reason="makensis not installed")
def test_nsis_script_compiles(tmp_path):
    source = tmp_path / "PackSortie"
    (source / "_internal").mkdir(parents=True)
    (source / "PackSortie.exe").write_bytes(b"MZ placeholder")
    (source / "_internal" / "placeholder.txt").write_text("x")
    out = tmp_path / "setup.exe"
    done = subprocess.run(
        [
            "makensis",
            "-V2",
            "-DVERSION=0.1.0",
            f"-DSOURCE_DIR={source}",
            f"-DOUTFILE={out}",
            str(NSI),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert out.stat().st_size > 0
