# Installs the Madoguchi staff console from this folder, without internet.
#   install.cmd                     for this Windows user (no administrator rights needed)
#   install.cmd -AllUsers           into Program Files, shortcut for every user (as administrator)
#   install.cmd -Server wss://madoguchi.city.example/ws   the hub the shortcut opens
# Needs 64-bit Python 3.11 from python.org (the wheels in wheelhouse\ are built for it).
param(
    [string]$Server = "",
    [switch]$AllUsers,
    [string]$Python = "",
    [string]$Target = ""
)
$ErrorActionPreference = "Stop"
$here = Split-Path -Parent $MyInvocation.MyCommand.Path

if (-not $Target) {
    if ($AllUsers) { $Target = Join-Path $env:ProgramFiles "Madoguchi" }
    else { $Target = Join-Path $env:LOCALAPPDATA "Programs\Madoguchi" }
}
if (-not $Python) {
    # The py launcher that python.org's installer puts on every PC.
    try { $Python = & py -3.11 -c "import sys; print(sys.executable)" } catch { $Python = "" }
    if ($LASTEXITCODE -ne 0 -or -not $Python) {
        throw "Python 3.11 (64-bit) is not installed: install it from python.org's installer first."
    }
}
& $Python -c "import sys; sys.exit(sys.version_info[:2] != (3, 11) or sys.maxsize < 2**32)"
if ($LASTEXITCODE -ne 0) { throw "$Python is not 64-bit Python 3.11." }

Write-Host "Installing Madoguchi into $Target"
& $Python -m venv "$Target\venv"
if ($LASTEXITCODE -ne 0) { throw "python -m venv failed." }
# --no-index: only the wheels in this folder, never the internet.
& "$Target\venv\Scripts\python.exe" -m pip install --disable-pip-version-check --no-index `
    --find-links "$here\wheelhouse" --upgrade "madoguchi[console]"
if ($LASTEXITCODE -ne 0) { throw "pip install failed." }

& (Join-Path $here "create-shortcut.ps1") -Target $Target -Server $Server -AllUsers:$AllUsers
Write-Host "Done. Start it from the Start menu: Madoguchi 窓口 (staff console)."
