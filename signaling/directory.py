"""The city's directory: its shape, departments with hours, the topics citizens pick, outcomes.

A city has wards (区), each with sites: the ward office (区役所) and community centers, where
kiosks stand. A department belongs to one ward's office, or is city-wide (``ward_id`` None: a
central 税務課, a call-center pool). A topic (category) names either one department, or a kind of
service that each ward's department offers; then the citizen is routed to their own ward's desk
first and may overflow to the same service elsewhere (signaling/routing.py).

A city describes itself in a TOML file (see ``demo_city.toml``); the store keeps the same
structures so that admins can edit them later.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Sequence
from enum import StrEnum

import msgspec

# Languages the kiosk offers; names and descriptions fall back to Japanese, then English.
KIOSK_LANGUAGES = ("ja", "ja-easy", "en", "zh", "ko", "vi")
# The pictograms a kiosk draws for a category; a category without one shows the counter icon.
CATEGORY_ICONS = ("document", "house", "card", "child", "daycare", "care", "yen", "help")


class OpeningHours(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Weekly hours in Asia/Tokyo, minus national holidays and the city's own closed days."""

    # "mon" .. "sun" -> ["08:30-17:15", ...]; a missing day is closed.
    weekly: dict[str, list[str]] = {}
    # "MM-DD" recurs every year (年末年始); "YYYY-MM-DD" is a single day.
    closed_dates: list[str] = []
    national_holidays_closed: bool = True


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Open around the clock, holidays too: for tests and benches whose runs may cross closing time.
ALWAYS_OPEN = OpeningHours(
    weekly={day: ["00:00-24:00"] for day in WEEKDAYS}, national_holidays_closed=False
)


class Ward(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    id: str
    names: dict[str, str]
    # False: its citizens are served only by its own and city-wide desks, and its desks take no
    # other ward's citizens (a boundary the city forbids).
    shares_overflow: bool = True


class SiteKind(StrEnum):
    WARD_OFFICE = "ward_office"
    CENTER = "center"


class Site(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    id: str
    ward_id: str
    names: dict[str, str]
    kind: SiteKind = SiteKind.CENTER


class Service(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A kind of work that desks in several wards do alike (住民票, 国保)."""

    id: str
    names: dict[str, str]
    # How long a citizen waits for their own ward's desk before other wards' desks may take
    # them too; None never overflows (work that must stay in the ward).
    overflow_after_seconds: float | None = 120.0


class Department(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    id: str
    names: dict[str, str]
    hours: OpeningHours = OpeningHours()
    ward_id: str | None = None  # None: city-wide
    services: list[str] = []


class Category(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A topic on the kiosk: routed to one department, or to a service (exactly one of them)."""

    id: str
    names: dict[str, str]
    department_id: str = ""
    service_id: str = ""
    descriptions: dict[str, str] = {}
    icon: str = ""


class OutcomeCode(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    code: str
    names: dict[str, str]


class StaffMessage(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A message staff send at a touch ("please wait a moment"), kept in every kiosk language
    so that the citizen reads it in theirs; staff see the Japanese beside it."""

    id: str
    texts: dict[str, str]


class Reading(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The city's own reading of a word, for ruby in やさしい日本語: place names and surnames a
    morphological analyser gets wrong (門司 もじ, not もんじ)."""

    word: str
    reading: str  # hiragana or katakana


class Directory(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    wards: list[Ward] = []
    sites: list[Site] = []
    services: list[Service] = []
    departments: list[Department] = []
    categories: list[Category] = []
    outcome_codes: list[OutcomeCode] = []
    staff_messages: list[StaffMessage] = []
    readings: list[Reading] = []

    def ward(self, ward_id: str | None) -> Ward | None:
        return next((w for w in self.wards if w.id == ward_id), None)

    def site(self, site_id: str | None) -> Site | None:
        return next((s for s in self.sites if s.id == site_id), None)

    def service(self, service_id: str) -> Service | None:
        return next((s for s in self.services if s.id == service_id), None)

    def department(self, department_id: str) -> Department | None:
        return next((d for d in self.departments if d.id == department_id), None)

    def category(self, category_id: str) -> Category | None:
        return next((c for c in self.categories if c.id == category_id), None)

    def has_outcome(self, code: str) -> bool:
        return any(o.code == code for o in self.outcome_codes)


class DirectoryError(ValueError):
    """The city file, or an admin's edit, is malformed or inconsistent."""


# Ids go into URLs, the database and the kiosks' caches: keep them plain.
_SAFE_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
_SPAN = re.compile(r"\d\d:\d\d-\d\d:\d\d")
_YEARLY = re.compile(r"(\d\d)-(\d\d)")
_ONCE = re.compile(r"\d{4}-\d\d-\d\d")
_KANA = re.compile(r"[\u3041-\u309f\u30a0-\u30ff]+")  # hiragana, katakana and the long mark


def load_directory(text: str | bytes) -> Directory:
    """Parse and validate a city TOML file; every entry must pass the admin page's checks too."""
    try:
        directory = msgspec.toml.decode(text, type=Directory)
    except msgspec.DecodeError as exc:
        raise DirectoryError(str(exc)) from exc
    for department in directory.departments:
        check_department(department)
    for category in directory.categories:
        check_category(category)
    for message in directory.staff_messages:
        check_staff_message(message)
    for reading in directory.readings:
        check_reading(reading)
    validate_directory(directory)
    return directory


def validate_directory(directory: Directory) -> None:
    """The consistency the hub relies on: unique safe ids, known references, valid hours."""
    ward_ids = _unique_ids("ward", [w.id for w in directory.wards])
    _unique_ids("site", [s.id for s in directory.sites])
    service_ids = _unique_ids("service", [s.id for s in directory.services])
    department_ids = _unique_ids("department", [d.id for d in directory.departments])
    _unique_ids("category", [c.id for c in directory.categories])
    _unique_ids("staff message", [m.id for m in directory.staff_messages])
    words = [r.word for r in directory.readings]
    if len(set(words)) != len(words):
        raise DirectoryError("each word may have one reading")
    for site in directory.sites:
        if site.ward_id not in ward_ids:
            raise DirectoryError(f"site {site.id!r} names unknown ward {site.ward_id!r}")
    for service in directory.services:
        after = service.overflow_after_seconds
        if after is not None and not 0 <= after <= 86400:
            raise DirectoryError(f"service {service.id!r}: overflow_after_seconds must be 0-86400")
    for department in directory.departments:
        _check_hours(department)
        if department.ward_id is not None and department.ward_id not in ward_ids:
            raise DirectoryError(
                f"department {department.id!r} names unknown ward {department.ward_id!r}"
            )
        for service_id in department.services:
            if service_id not in service_ids:
                raise DirectoryError(
                    f"department {department.id!r} offers unknown service {service_id!r}"
                )
    for category in directory.categories:
        where = f"category {category.id!r}"
        if bool(category.department_id) == bool(category.service_id):
            raise DirectoryError(f"{where}: give either a department_id or a service_id")
        if category.department_id and category.department_id not in department_ids:
            raise DirectoryError(f"{where} names unknown department {category.department_id!r}")
        if category.service_id and not any(
            category.service_id in d.services for d in directory.departments
        ):
            raise DirectoryError(f"{where}: no department offers service {category.service_id!r}")


def _unique_ids(kind: str, ids: Sequence[str]) -> frozenset[str]:
    if len(set(ids)) != len(ids):
        raise DirectoryError(f"{kind} ids must be unique")
    for value in ids:
        _check_id(kind, value)
    return frozenset(ids)


def check_department(department: Department) -> None:
    """What an admin's department must have: a safe id, a Japanese name, valid hours."""
    _check_id("department", department.id)
    _check_texts(f"department {department.id!r}: names", department.names, required=True)
    _check_hours(department)


def check_category(category: Category) -> None:
    """What an admin's category must have: a safe id and icon, and a Japanese name."""
    _check_id("category", category.id)
    where = f"category {category.id!r}"
    _check_texts(f"{where}: names", category.names, required=True)
    _check_texts(f"{where}: descriptions", category.descriptions, required=False)
    if category.icon and category.icon not in CATEGORY_ICONS:
        icons = ", ".join(CATEGORY_ICONS)
        raise DirectoryError(f"{where}: icon {category.icon!r} is not one of {icons} (or none)")


def check_staff_message(message: StaffMessage) -> None:
    """What an admin's staff message must have: a safe id and a Japanese text, at most 200
    characters in any language (it is shown large on the kiosk)."""
    _check_id("staff message", message.id)
    where = f"staff message {message.id!r}"
    _check_texts(f"{where}: texts", message.texts, required=True)
    if any(len(text) > 200 for text in message.texts.values()):
        raise DirectoryError(f"{where}: keep each text to 200 characters")


def check_reading(reading: Reading) -> None:
    """A reading is a word of at most 32 characters and its kana."""
    if not reading.word.strip() or len(reading.word) > 32:
        raise DirectoryError("a reading's word must be 1 to 32 characters")
    if not _KANA.fullmatch(reading.reading) or len(reading.reading) > 64:
        raise DirectoryError(
            f"the reading of {reading.word!r} must be 1 to 64 hiragana or katakana, "
            f"not {reading.reading!r}"
        )


def _check_id(kind: str, value: str) -> None:
    if not _SAFE_ID.fullmatch(value):
        raise DirectoryError(
            f"{kind} id {value!r} must be 1 to 64 lower-case letters, digits, - or _, "
            "starting with a letter or digit"
        )


def _check_texts(where: str, texts: dict[str, str], *, required: bool) -> None:
    for language, text in texts.items():
        if language not in KIOSK_LANGUAGES:
            raise DirectoryError(
                f"{where}: unknown language {language!r}; use {', '.join(KIOSK_LANGUAGES)}"
            )
        if not text.strip():
            raise DirectoryError(f"{where}: {language} is empty; leave the language out instead")
    if required and "ja" not in texts:
        raise DirectoryError(f"{where}: a Japanese (ja) one is required")


def _check_hours(department: Department) -> None:
    from signaling.hours import parse_span  # the parser is the validator

    where = department.id
    for day, spans in department.hours.weekly.items():
        if day not in WEEKDAYS:
            raise DirectoryError(f"{where}: unknown weekday {day!r}; use {', '.join(WEEKDAYS)}")
        parsed = []
        for span in spans:
            if not _SPAN.fullmatch(span):
                raise DirectoryError(f"{where}: {day}: bad opening span {span!r}, use HH:MM-HH:MM")
            try:
                parsed.append(parse_span(span))
            except ValueError as exc:
                raise DirectoryError(f"{where}: {day}: {exc}") from exc
        parsed.sort()
        for (_, end), (start, _) in itertools.pairwise(parsed):
            if start < end:
                raise DirectoryError(f"{where}: {day}: opening spans overlap")
    for closed in department.hours.closed_dates:
        if not _is_date(closed):
            raise DirectoryError(
                f"{where}: closed date {closed!r} is neither MM-DD (every year) nor YYYY-MM-DD"
            )


def _is_date(text: str) -> bool:
    if match := _YEARLY.fullmatch(text):
        month, day = (int(part) for part in match.groups())
        text = f"2000-{month:02d}-{day:02d}"  # a leap year, so 02-29 is a date
    elif not _ONCE.fullmatch(text):
        return False
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True
