"""The city's directory: departments with opening hours, the categories citizens pick, outcomes.

A city describes itself in a TOML file (see ``demo_city.toml``); the store keeps the same
structures so that admins can edit them later.
"""

from __future__ import annotations

import msgspec

# Languages the kiosk offers; names and descriptions fall back to Japanese, then English.
KIOSK_LANGUAGES = ("ja", "ja-easy", "en", "zh", "ko", "vi")


class OpeningHours(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Weekly hours in Asia/Tokyo, minus national holidays and the city's own closed days."""

    # "mon" .. "sun" -> ["08:30-17:15", ...]; a missing day is closed.
    weekly: dict[str, list[str]] = {}
    # "MM-DD" recurs every year (年末年始); "YYYY-MM-DD" is a single day.
    closed_dates: list[str] = []
    national_holidays_closed: bool = True


class Department(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    id: str
    names: dict[str, str]
    hours: OpeningHours = OpeningHours()


class Category(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    id: str
    department_id: str
    names: dict[str, str]
    descriptions: dict[str, str] = {}
    icon: str = ""


class OutcomeCode(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    code: str
    names: dict[str, str]


class Directory(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    departments: list[Department] = []
    categories: list[Category] = []
    outcome_codes: list[OutcomeCode] = []

    def department(self, department_id: str) -> Department | None:
        return next((d for d in self.departments if d.id == department_id), None)

    def category(self, category_id: str) -> Category | None:
        return next((c for c in self.categories if c.id == category_id), None)

    def has_outcome(self, code: str) -> bool:
        return any(o.code == code for o in self.outcome_codes)


class DirectoryError(ValueError):
    """The city file is malformed or inconsistent."""


def load_directory(text: str | bytes) -> Directory:
    """Parse and validate a city TOML file."""
    try:
        directory = msgspec.toml.decode(text, type=Directory)
    except msgspec.DecodeError as exc:
        raise DirectoryError(str(exc)) from exc
    validate_directory(directory)
    return directory


def validate_directory(directory: Directory) -> None:
    department_ids = [d.id for d in directory.departments]
    if len(set(department_ids)) != len(department_ids):
        raise DirectoryError("department ids must be unique")
    category_ids = [c.id for c in directory.categories]
    if len(set(category_ids)) != len(category_ids):
        raise DirectoryError("category ids must be unique")
    for category in directory.categories:
        if category.department_id not in department_ids:
            raise DirectoryError(
                f"category {category.id!r} names unknown department {category.department_id!r}"
            )
    for department in directory.departments:
        _validate_hours(department)


def _validate_hours(department: Department) -> None:
    from signaling.hours import parse_span  # the parser is the validator

    for day, spans in department.hours.weekly.items():
        if day not in ("mon", "tue", "wed", "thu", "fri", "sat", "sun"):
            raise DirectoryError(f"{department.id}: unknown weekday {day!r}")
        for span in spans:
            try:
                parse_span(span)
            except ValueError as exc:
                raise DirectoryError(f"{department.id}: {exc}") from exc
