@echo off
rem Double-click to install the Madoguchi staff console; arguments go to install.ps1.
powershell -NoProfile -ExecutionPolicy Bypass -File "%~dp0install.ps1" %*
if errorlevel 1 pause
