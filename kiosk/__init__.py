"""The kiosk: the citizen's touch app (PyQt6), in six languages; see docs/kiosk.md."""
