# Run "PackSortie.exe self-test" and wait for it (used by CI; works for administrators too).
#
#   .\installer\self-test.ps1                                   # dist\PackSortie\PackSortie.exe
#   .\installer\self-test.ps1 -Exe "$env:LOCALAPPDATA\Programs\PackSortie\PackSortie.exe"
#
# PackSortie.exe is a windowed program: PowerShell does not wait for it and shows none of its
# output unless it is redirected, hence System.Diagnostics.Process. Exit code: the self-test's
# (0 all steps OK, 1 a step failed), or 2 if it did not finish in time.
[CmdletBinding()]
param(
    [string]$Exe = "",
    [int]$TimeoutSeconds = 300
)
$ErrorActionPreference = "Stop"
if (-not $Exe) { $Exe = Join-Path (Split-Path -Parent $PSScriptRoot) "dist\PackSortie\PackSortie.exe" }
if (-not (Test-Path $Exe)) { throw "self-test.ps1: $Exe not found" }
$Exe = (Resolve-Path $Exe).Path  # .NET does not share PowerShell's current folder

$psi = [System.Diagnostics.ProcessStartInfo]::new($Exe, "self-test")
$psi.UseShellExecute = $false
$psi.RedirectStandardOutput = $true
$psi.RedirectStandardError = $true
$process = [System.Diagnostics.Process]::Start($psi)
$out = $process.StandardOutput.ReadToEndAsync()
$err = $process.StandardError.ReadToEndAsync()
if (-not $process.WaitForExit($TimeoutSeconds * 1000)) {
    $process.Kill()
    Write-Host "self-test.ps1: no answer after $TimeoutSeconds s (an error dialog may be open)"
    exit 2
}
$process.WaitForExit()  # let the output readers finish
Write-Host $out.Result
if ($err.Result) { Write-Host "--- stderr ---"; Write-Host $err.Result }
Write-Host "self-test.ps1: exit code $($process.ExitCode)"
exit $process.ExitCode
