# The Start-menu shortcut to the staff console that install.ps1 installed into $Target.
param(
    [Parameter(Mandatory = $true)][string]$Target,
    [string]$Server = "",
    [switch]$AllUsers
)
$ErrorActionPreference = "Stop"
$folder = if ($AllUsers) { "CommonPrograms" } else { "Programs" }
$menu = [Environment]::GetFolderPath($folder)
$link = Join-Path $menu "Madoguchi 窓口.lnk"
$shell = New-Object -ComObject WScript.Shell
$shortcut = $shell.CreateShortcut($link)
$shortcut.TargetPath = Join-Path $Target "venv\Scripts\madoguchi-console.exe"
if ($Server) { $shortcut.Arguments = "--server $Server" }
$shortcut.WorkingDirectory = $Target
$shortcut.Description = "Madoguchi staff console"
$shortcut.Save()
Write-Host "Shortcut: $link"
