# Build Pack Sortie for Windows: the PyInstaller folder dist\PackSortie, then the installer
# dist\PackSortie-<version>-installation.exe (NSIS).
#
#   .\installer\build.ps1                           # active venv, else .venv
#   .\installer\build.ps1 -Python C:\path\python.exe
#   .\installer\build.ps1 -SkipInstaller            # the folder only (no NSIS needed)
#
# Needs: Python 3.12 venv with  pip install -e ".[dev]"  (PyInstaller), and NSIS 3
# (https://nsis.sourceforge.io, or: choco install nsis) unless -SkipInstaller.
[CmdletBinding()]
param(
    [string]$Python = "",
    [string]$MakeNsis = "",
    [switch]$SkipInstaller,
    [switch]$Clean
)
$ErrorActionPreference = "Stop"
$Root = Split-Path -Parent $PSScriptRoot
Set-Location $Root

if (-not $Python) {
    if ($env:VIRTUAL_ENV -and (Test-Path (Join-Path $env:VIRTUAL_ENV "Scripts\python.exe"))) {
        $Python = Join-Path $env:VIRTUAL_ENV "Scripts\python.exe"
    } elseif (Test-Path ".venv\Scripts\python.exe") {
        $Python = ".venv\Scripts\python.exe"
    } else {
        throw "build.ps1: no virtual environment found; create one first: py -3.12 -m venv .venv; .venv\Scripts\pip install -e "".[dev]"""
    }
}
& $Python -c "import PyInstaller"
if ($LASTEXITCODE -ne 0) { throw "build.ps1: PyInstaller is missing in $Python; run: pip install -e "".[dev]""" }

$Version = ([regex]'__version__\s*=\s*"([^"]+)"').Match((Get-Content -Raw "app\__init__.py")).Groups[1].Value
Write-Host "build.ps1: Pack Sortie $Version with $(& $Python --version)"

$pyiArgs = @("-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
             "--distpath", "dist", "--workpath", "build\pyinstaller")
if ($Clean) { $pyiArgs += "--clean" }
$pyiArgs += "installer\pack_sortie.spec"
$watch = [System.Diagnostics.Stopwatch]::StartNew()
& $Python @pyiArgs
if ($LASTEXITCODE -ne 0) { throw "build.ps1: PyInstaller failed ($LASTEXITCODE)" }
$files = Get-ChildItem -Recurse -File "dist\PackSortie"
$sizeMb = [math]::Round((($files | Measure-Object -Sum Length).Sum) / 1MB, 1)
Write-Host ("build.ps1: dist\PackSortie built in {0:N0} s: {1} MB, {2} files" -f $watch.Elapsed.TotalSeconds, $sizeMb, $files.Count)

if ($SkipInstaller) { return }

if (-not $MakeNsis) {
    $onPath = Get-Command makensis.exe -ErrorAction SilentlyContinue
    $candidates = @()
    if ($onPath) { $candidates += $onPath.Source }
    $candidates += @("${env:ProgramFiles(x86)}\NSIS\makensis.exe", "$env:ProgramFiles\NSIS\makensis.exe")
    $MakeNsis = $candidates | Where-Object { $_ -and (Test-Path $_) } | Select-Object -First 1
}
if (-not $MakeNsis) {
    throw "build.ps1: makensis not found. Install NSIS 3 (choco install nsis) or pass -MakeNsis, or use -SkipInstaller."
}
& $MakeNsis /V2 "/DVERSION=$Version" "installer\pack_sortie.nsi"
if ($LASTEXITCODE -ne 0) { throw "build.ps1: makensis failed ($LASTEXITCODE)" }
$setup = Get-Item "dist\PackSortie-$Version-installation.exe"
Write-Host ("build.ps1: installer {0}: {1:N1} MB" -f $setup.FullName, ($setup.Length / 1MB))
