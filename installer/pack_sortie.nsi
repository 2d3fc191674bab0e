; Pack Sortie -- installer for one Windows user, no administrator rights (NSIS 3, Modern UI 2).
;
;   makensis /DVERSION=0.1.0 installer\pack_sortie.nsi       (installer\build.ps1 does it)
;
; Defines (all optional):
;   VERSION     the application version, x.y.z            (default 0.0.0)
;   SOURCE_DIR  the PyInstaller folder to install          (default ../dist/PackSortie)
;   OUTFILE     the installer to write                     (default ../dist/PackSortie-<version>-installation.exe)
; Relative paths are relative to this script's folder (makensis changes into it).
;
; The program goes to %LOCALAPPDATA%\Programs\PackSortie. The user's databases, documents
; and logs live elsewhere (%LOCALAPPDATA%\PackSortie\PackSortie, or wherever the office put
; its shared database): neither an upgrade nor the uninstaller touches them.

Unicode true
ManifestDPIAware true
RequestExecutionLevel user
SetCompressor /SOLID lzma

!ifndef VERSION
  !define VERSION "0.0.0"
!endif
!ifndef SOURCE_DIR
  !define SOURCE_DIR "../dist/PackSortie"
!endif
!ifndef OUTFILE
  !define OUTFILE "../dist/PackSortie-${VERSION}-installation.exe"
!endif
!searchparse /noerrors "${VERSION}" "" VERSION_MAJOR "." VERSION_MINOR "." VERSION_PATCH
!ifndef VERSION_MAJOR
  !define VERSION_MAJOR 0
!endif
!ifndef VERSION_MINOR
  !define VERSION_MINOR 0
!endif
!ifndef VERSION_PATCH
  !define VERSION_PATCH 0
!endif

!define APP_NAME "Pack Sortie"
!define APP_EXE "PackSortie.exe"
!define PUBLISHER "Pack Sortie"
!define UNINSTALLER "Desinstaller-PackSortie.exe"
!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\PackSortie"
!define ICON_FILE "../resources/icons/pack-sortie.ico"

Name "${APP_NAME}"
OutFile "${OUTFILE}"
InstallDir "$LOCALAPPDATA\Programs\PackSortie"
InstallDirRegKey HKCU "${UNINSTALL_KEY}" "InstallLocation"
BrandingText "${APP_NAME} ${VERSION}"

VIProductVersion "${VERSION_MAJOR}.${VERSION_MINOR}.${VERSION_PATCH}.0"
VIAddVersionKey /LANG=1036 "ProductName" "${APP_NAME}"
VIAddVersionKey /LANG=1036 "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=1036 "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=1036 "FileDescription" "Installation de ${APP_NAME}"
VIAddVersionKey /LANG=1036 "CompanyName" "${PUBLISHER}"
VIAddVersionKey /LANG=1036 "LegalCopyright" "Licence EUPL-1.2"

!include "MUI2.nsh"
!include "FileFunc.nsh"

!define MUI_ICON "${ICON_FILE}"
!define MUI_UNICON "${ICON_FILE}"
!define MUI_ABORTWARNING

; --- Installer pages ------------------------------------------------------------------------
!define MUI_WELCOMEPAGE_TITLE "Installation de ${APP_NAME} ${VERSION}"
!define MUI_WELCOMEPAGE_TEXT "Cet assistant installe ${APP_NAME}, l'application de suivi du \
Pack sortie RSA, pour votre compte Windows uniquement. Aucun droit d'administrateur n'est \
nécessaire.$\r$\n$\r$\nSi une version précédente est installée, elle est remplacée ; vos \
bases de données, documents et journaux sont conservés.$\r$\n$\r$\nFermez ${APP_NAME} s'il \
est ouvert, puis cliquez sur Suivant."
!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!define MUI_FINISHPAGE_RUN "$INSTDIR\${APP_EXE}"
!define MUI_FINISHPAGE_RUN_TEXT "Lancer ${APP_NAME}"
!insertmacro MUI_PAGE_FINISH

; --- Uninstaller pages ----------------------------------------------------------------------
!define MUI_UNCONFIRMPAGE_TEXT_TOP "Le programme ${APP_NAME} va être retiré de ce poste.$\r$\n\
Vos bases de données, vos documents (courriers), leurs sauvegardes et les journaux ne sont \
PAS supprimés : ils restent dans $LOCALAPPDATA\PackSortie et dans les dossiers où votre \
service les a placés (lecteur partagé)."
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES

!insertmacro MUI_LANGUAGE "French"

; --- Install --------------------------------------------------------------------------------
Section "Pack Sortie" SecMain
  SectionIn RO
  SetShellVarContext current
  SetOutPath "$INSTDIR"

  ; An upgrade replaces the program folder entirely: a migration script left over from an
  ; older version would confuse the schema upgrade. Only the program's own files go.
  RMDir /r "$INSTDIR\_internal"
  Delete "$INSTDIR\${APP_EXE}"

  File "${SOURCE_DIR}/${APP_EXE}"
  File /r "${SOURCE_DIR}/_internal"

  WriteUninstaller "$INSTDIR\${UNINSTALLER}"

  CreateShortcut "$SMPROGRAMS\${APP_NAME}.lnk" "$INSTDIR\${APP_EXE}" "" \
    "$INSTDIR\${APP_EXE}" 0 SW_SHOWNORMAL "" "Suivi du Pack sortie RSA"
  CreateShortcut "$DESKTOP\${APP_NAME}.lnk" "$INSTDIR\${APP_EXE}" "" \
    "$INSTDIR\${APP_EXE}" 0 SW_SHOWNORMAL "" "Suivi du Pack sortie RSA"

  ; "Applications et fonctionnalités" / Add or remove programs, for this user only.
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayName" "${APP_NAME}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "Publisher" "${PUBLISHER}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayIcon" "$INSTDIR\${APP_EXE},0"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\${UNINSTALLER}"'
  WriteRegStr HKCU "${UNINSTALL_KEY}" "QuietUninstallString" '"$INSTDIR\${UNINSTALLER}" /S'
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoModify" 1
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  IntFmt $0 "0x%08X" $0
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "EstimatedSize" "$0"
SectionEnd

; --- Uninstall ------------------------------------------------------------------------------
; Removes exactly what the installer wrote. Never a recursive delete of $INSTDIR itself (the
; user may have chosen a folder holding other files), never the data folders.
Section "Uninstall"
  SetShellVarContext current
  Delete "$SMPROGRAMS\${APP_NAME}.lnk"
  Delete "$DESKTOP\${APP_NAME}.lnk"

  RMDir /r "$INSTDIR\_internal"
  Delete "$INSTDIR\${APP_EXE}"
  Delete "$INSTDIR\${UNINSTALLER}"
  RMDir "$INSTDIR"

  DeleteRegKey HKCU "${UNINSTALL_KEY}"
SectionEnd
