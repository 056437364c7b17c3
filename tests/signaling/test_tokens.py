"""Issued tokens never start with "-", so `--token VALUE` works in every command-line parser."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from signaling import tokens


def test_a_draw_starting_with_a_dash_is_drawn_again(monkeypatch: pytest.MonkeyPatch) -> None:
    draws: Iterator[str] = iter(["-leading-dash", "-again", "fine-Token_1"])
    monkeypatch.setattr(tokens.secrets, "token_urlsafe", lambda nbytes: next(draws))
    assert tokens.new_device_token() == "fine-Token_1"


def test_real_tokens_never_start_with_a_dash() -> None:
    # 2,000 draws would hit a leading "-" about 31 times each without the redraw.
    issued = [tokens.new_device_token() for _ in range(1000)]
    issued += [tokens.new_session_token() for _ in range(1000)]
    assert not [token for token in issued if token.startswith("-")]
    assert len(set(issued)) == len(issued)
    assert all(len(token) == 43 for token in issued)  # still 32 random bytes
