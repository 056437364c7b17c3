"""Waiting in tests of a Qt app driven over a real hub: Qt's events and the loop both run."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from PyQt6.QtWidgets import QApplication

from tests.participant import UNIT


async def until(check: Callable[[], bool], within: float = 3 * UNIT) -> None:
    """Pump Qt and the loop until `check` holds; fails after `within` seconds."""
    async with asyncio.timeout(within):
        while not check():
            QApplication.processEvents()
            await asyncio.sleep(0.02)
