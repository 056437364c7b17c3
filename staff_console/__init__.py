"""The staff console (PyQt6); built in a later issue."""
