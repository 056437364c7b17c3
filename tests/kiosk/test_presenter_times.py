"""How the kiosk writes opening times."""

import datetime as dt

from kiosk.core.presenter import _closing_time
from kiosk.i18n import Language, Translator
from signaling.hours import TOKYO


def tokyo(*args: int) -> float:
    return dt.datetime(*args, tzinfo=TOKYO).timestamp()


def test_a_day_that_runs_to_midnight_closes_at_24_00() -> None:
    assert _closing_time(Translator(Language.JA), tokyo(2026, 12, 2, 0, 0)) == "24:00"


def test_an_ordinary_closing_time_is_written_as_on_notices() -> None:
    assert _closing_time(Translator(Language.JA), tokyo(2026, 12, 1, 17, 15)) == "17:15"
