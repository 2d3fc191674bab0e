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
    assert {"app.ui.application", "app.selftest", "app.services.integrity"} <= hidden
    assert not any(name.startswith("app.migrations.versions") for name in hidden)
    # The server's driver, which SQLAlchemy and psycopg load by name.
    assert {"sqlalchemy.dialects.postgresql.psycopg", "psycopg", "psycopg_binary"} <= hidden
    assert "app.cli_server" in hidden


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
        "QtSvgWidgets",
    ):
        assert f"PySide6.{module}" in excludes
    # QtSvg paints the dashboard's charts
    kept = {"PySide6.QtCore", "PySide6.QtGui", "PySide6.QtWidgets", "PySide6.QtSvg"}
    assert kept.isdisjoint(excludes)


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
        # The libraries' data: only what the IBAN and SEPA checks read.
        ("stdnum/iban.dat", True),
        ("stdnum/be/banks.dat", True),
        ("stdnum/oui.dat", False),
        ("stdnum/cn/loc.dat", False),
        ("xmlschema/schemas/XSD_1.0/XMLSchema.xsd", True),
        ("xmlschema/locale/fr/LC_MESSAGES/xmlschema.mo", False),
        ("sepaxml/schemas/pain.001.001.03.xsd", True),
    ],
)
def test_spec_plugin_and_translation_filter(spec, dest, kept):
    assert spec["keep_entry"](dest) is kept


SYSTEM = "/usr/lib/x86_64-linux-gnu"
WHEELS = "/home/dev/.venv/lib/python3.12/site-packages"


@pytest.mark.parametrize(
    ("dest", "src", "on_host"),
    [
        # The desktop stacks Qt's wheels load from the host, as after `pip install`.
        ("libfontconfig.so.1", f"{SYSTEM}/libfontconfig.so.1", True),
        ("libX11.so.6", f"{SYSTEM}/libX11.so.6", True),
        ("libcups.so.2", "/lib/x86_64-linux-gnu/libcups.so.2", True),
        ("libgnutls.so.30", f"{SYSTEM}/libgnutls.so.30", True),
        ("libglib-2.0.so.0", f"{SYSTEM}/libglib-2.0.so.0", True),
        # Python's own modules and the other wheels: their system libraries travel along.
        ("libssl.so.3", f"{SYSTEM}/libssl.so.3", False),
        ("libsqlite3.so.0", f"{SYSTEM}/libsqlite3.so.0", False),
        ("libpython3.12.so.1.0", f"{SYSTEM}/libpython3.12.so.1.0", False),
        ("libstdc++.so.6", f"{SYSTEM}/libstdc++.so.6", False),
        ("libz.so.1", "/lib/x86_64-linux-gnu/libz.so.1", False),
        # What the wheels carry is never the host's.
        ("PySide6/Qt/lib/libQt6Gui.so.6", f"{WHEELS}/PySide6/Qt/lib/libQt6Gui.so.6", False),
        ("libxcb-9065bb12.so.1.1.0", f"{WHEELS}/pillow.libs/libxcb-9065bb12.so.1.1.0", False),
    ],
)
def test_spec_leaves_the_desktop_libraries_on_the_linux_host(spec, monkeypatch, dest, src, on_host):
    monkeypatch.setattr(sys, "platform", "linux")
    assert spec["host_provided"](dest, src) is on_host
    monkeypatch.setattr(sys, "platform", "win32")
    assert spec["host_provided"](dest, src) is False


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


# --- Reduced ICU data (Linux) ---------------------------------------------------------------


@pytest.fixture(scope="module")
def icu_data():
    sys.path.insert(0, str(INSTALLER))
    try:
        import icu_data
    finally:
        sys.path.remove(str(INSTALLER))
    return icu_data


def _icu_item(payload: bytes) -> bytes:
    """An ICU data item: a 32-byte header (size, magic 0xda27), the payload, padding to 16."""
    item = struct.pack("<HBB", 32, 0xDA, 0x27) + bytes(28) + payload
    return item + bytes(-len(item) % 16)


def _converter(max_bytes_per_char: int) -> bytes:
    static = struct.pack("<i60siBBBB", 100, b"x", 0, 0, 2, 1, max_bytes_per_char)
    return _icu_item(static + bytes(100 - len(static)))


def test_icu_package_round_trip(icu_data):
    header = struct.pack("<HBB", 32, 0xDA, 0x27) + bytes(4) + b"\0\0\2\0CmnD" + bytes(16)
    items = [
        ("icudt73l/a.res", _icu_item(b"1")),
        ("icudt73l/coll/fr.res", _icu_item(b"22" * 7)),
        ("icudt73l/zone/pool.res", _icu_item(b"")),
    ]
    blob = icu_data.build_package(header, items)
    assert icu_data.parse_package(blob) == (header, items)
    toc = blob[len(header) :]
    offsets = [struct.unpack_from("<II", toc, 4 + 8 * i)[1] for i in range(len(items))]
    assert all((len(header) + offset) % 16 == 0 for offset in offsets)
    with pytest.raises(icu_data.IcuDataError):
        icu_data.parse_package(b"\x20\0\xda\x27" + bytes(8) + b"ToCP" + bytes(16))


@pytest.mark.parametrize(
    ("name", "kept"),
    [
        ("coll/root.res", True),
        ("coll/fr.res", True),
        ("coll/fr_CA.res", True),
        ("coll/ucadata.icu", True),
        ("coll/de.res", False),
        ("coll/de__PHONEBOOK.res", False),
        ("coll/zh.res", False),
        ("zone/fr.res", True),
        ("zone/pool.res", True),
        ("zone/res_index.res", True),
        ("curr/supplementalData.res", True),
        ("en_GB.res", True),
        ("ja.res", False),
        ("yue_Hant.res", False),
        ("root.res", True),
        ("cnvalias.icu", True),
        ("nfkc.nrm", True),
        ("zoneinfo64.res", True),
        ("likelySubtags.res", True),
        ("brkitr/word.brk", True),
        ("brkitr/cjdict.dict", False),
        ("brkitr/thaidict.dict", False),
        ("translit/root.res", False),
        ("unames.icu", False),
    ],
)
def test_icu_items_kept(icu_data, name, kept):
    assert icu_data.keep_item(f"icudt73l/{name}", _icu_item(b"")) is kept


def test_icu_converters_kept_are_the_single_byte_ones(icu_data):
    assert icu_data.keep_item("icudt73l/ibm-5348_P100-1997.cnv", _converter(1))  # windows-1252
    assert not icu_data.keep_item("icudt73l/ibm-943_P15A-2003.cnv", _converter(2))  # Shift_JIS


def _pyside_icu_data() -> Path | None:
    try:
        import PySide6
    except ImportError:
        return None
    found = sorted((Path(PySide6.__file__).parent / "Qt" / "lib").glob("libicudata.so.*"))
    return found[0] if found else None


# Run with the reduced library preloaded (same SONAME: Qt uses it instead of its own).
_ICU_CHECK = r"""
import sys
from PySide6.QtCore import QCollator, QDate, QLocale, QStringDecoder
maps = open("/proc/self/maps", encoding="utf-8").read()
assert sys.argv[1] in maps, "the reduced library is not the one loaded"
fr = QLocale(QLocale.Language.French, QLocale.Country.France)
collator = QCollator(fr)
words = ["zèbre", "Émile", "côte", "cote", "coté", "eau", "élan", "ça", "Cab"]
print(sorted(words, key=collator.sortKey))
print(fr.toString(QDate(2026, 2, 3), QLocale.FormatType.LongFormat), fr.toUpper("élève à évry"))
print([QStringDecoder(name).isValid() for name in ("windows-1252", "ISO-8859-15", "Shift_JIS")])
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ICU is bundled on Linux only")
def test_reduced_icu_library_serves_qt(icu_data, tmp_path):
    source = _pyside_icu_data()
    if source is None:
        pytest.skip("PySide6 without its own ICU")
    if not (shutil.which("as") and shutil.which("ld")):
        pytest.skip("binutils (as, ld) not installed")
    reduced = icu_data.reduced_library(source, tmp_path)
    assert reduced == icu_data.reduced_library(source, tmp_path)  # cached
    assert reduced.stat().st_size < 8_000_000 < source.stat().st_size
    soname, symbol, package = icu_data.read_library(reduced)
    assert (soname, symbol) == icu_data.read_library(source)[:2]
    names = {name.split("/", 1)[1] for name, _ in icu_data.parse_package(package)[1]}
    assert {"coll/fr.res", "coll/ucadata.icu", "cnvalias.icu", "ibm-5348_P100-1997.cnv"} <= names

    env = dict(os.environ, LD_PRELOAD=str(reduced), QT_QPA_PLATFORM="offscreen")
    done = subprocess.run(
        [sys.executable, "-c", _ICU_CHECK, str(reduced)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    order, dates, codecs = done.stdout.splitlines()
    assert order == str(["ça", "Cab", "cote", "coté", "côte", "eau", "élan", "Émile", "zèbre"])
    assert dates == "mardi 3 février 2026 ÉLÈVE À ÉVRY"
    assert codecs == "[True, True, False]"  # Western code pages kept, East Asian ones left out


def test_spec_swaps_in_the_reduced_icu_data(spec, monkeypatch):
    fake = type(sys)("icu_data")
    fake.IcuDataError = RuntimeError
    fake.reduced_library = lambda source, cache: cache / "reduced" / source.name
    monkeypatch.setitem(sys.modules, "icu_data", fake)
    lib = "PySide6/Qt/lib/libicudata.so.73"
    binaries = [
        (lib, f"/venv/{lib}", "BINARY"),
        ("libicudata.so.73", lib, "SYMLINK"),
        ("PySide6/Qt/lib/libicuuc.so.73", "/venv/PySide6/Qt/lib/libicuuc.so.73", "BINARY"),
    ]
    result = spec["reduce_icu_data"](binaries)
    if not sys.platform.startswith("linux"):
        assert result == binaries
        return
    assert result[0] == (
        lib,
        str(ROOT / "build" / "icu-data" / "reduced" / "libicudata.so.73"),
        "BINARY",
    )
    assert result[1:] == binaries[1:]
