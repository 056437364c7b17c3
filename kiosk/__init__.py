"""The kiosk app for citizens (PyQt6); built in a later issue."""
