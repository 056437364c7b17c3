"""An `EnginePort` that records what the controller asked, for tests without a network."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from signaling import protocol as p
from staff_console.core.engine_port import PageMark, ScreenArea


class RecordingEngine:
    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...]]] = []

    def named(self, name: str) -> list[tuple[Any, ...]]:
        return [args for called, args in self.calls if called == name]

    def _record(self, name: str, *args: Any) -> None:
        self.calls.append((name, args))

    def login(self, server: str, username: str, password: str) -> None:
        self._record("login", server, username, password)

    def change_password(self, server: str, username: str, password: str, new_password: str) -> None:
        self._record("change_password", server, username, password, new_password)

    def logout(self) -> None:
        self._record("logout")

    def set_presence(self, presence: p.Presence) -> None:
        self._record("set_presence", presence)

    def accept(self, session_id: str) -> None:
        self._record("accept", session_id)

    def accept_next(self) -> None:
        self._record("accept_next")

    def transfer(self, department_id: str, note: str) -> None:
        self._record("transfer", department_id, note)

    def hang_up(self) -> None:
        self._record("hang_up")

    def wrap_up(self, session_id: str, outcome_code: str, note: str) -> None:
        self._record("wrap_up", session_id, outcome_code, note)

    def send_text(self, text: str, language: str = "ja") -> None:
        self._record("send_text", text, language)

    def show_page(self, path: Path, doc_id: str, page: int) -> None:
        self._record("show_page", path, doc_id, page)

    def send_marks(self, doc_id: str, page: int, marks: Sequence[PageMark]) -> None:
        self._record("send_marks", doc_id, page, tuple(marks))

    def clear_marks(self, doc_id: str, page: int) -> None:
        self._record("clear_marks", doc_id, page)

    def close_document(self, doc_id: str) -> None:
        self._record("close_document", doc_id)

    def ask_for_paper(self) -> None:
        self._record("ask_for_paper")

    def show_paper(self, paper_id: str) -> None:
        self._record("show_paper", paper_id)

    def focus(self, doc_id: str, page: int, box: tuple[float, float, float, float]) -> None:
        self._record("focus", doc_id, page, box)

    def send_ink(self, stroke_id: str, points: Sequence[tuple[float, float]]) -> None:
        self._record("send_ink", stroke_id, tuple(points))

    def clear_ink(self) -> None:
        self._record("clear_ink")

    def set_pad_open(self, open: bool) -> None:
        self._record("set_pad_open", open)

    def share_screen(self, area: ScreenArea) -> None:
        self._record("share_screen", area)

    def stop_sharing(self) -> None:
        self._record("stop_sharing")

    def set_muted(self, muted: bool) -> None:
        self._record("set_muted", muted)

    def set_camera_enabled(self, enabled: bool) -> None:
        self._record("set_camera_enabled", enabled)
