"""The CSV lines of staff and kiosks, checked before any import (pure)."""

from __future__ import annotations

import pytest

from signaling.directory import Department, Directory, Site, Ward
from signaling.people_csv import Problem, StaffLine, decode, read_kiosks, read_staff
from signaling.protocol import Role

CITY = Directory(
    wards=[Ward(id="moji", names={"ja": "門司区"})],
    sites=[Site(id="moji-center", ward_id="moji", names={"ja": "門司市民センター"})],
    departments=[Department(id="shimin", names={}), Department(id="zeimu", names={})],
)


def test_columns_may_come_in_any_order_and_departments_split_on_either_semicolon() -> None:
    header = "site,role,departments,display_name,username\n"
    text = header + "moji-center,,shimin\uff1bzeimu,田中,tanaka\n"  # a full-width semicolon
    good, problems = read_staff(text, CITY, [])
    assert problems == []
    assert good == [StaffLine(2, "tanaka", "田中", Role.STAFF, ("shimin", "zeimu"), "moji-center")]


def test_blank_lines_are_skipped_and_line_numbers_count_them() -> None:
    text = "name,location,site\n\n北,1F,\n,,\n南,2F,nowhere\n"
    good, problems = read_kiosks(text, CITY, [])
    assert [(k.line, k.name, k.site_id) for k in good] == [(3, "北", None)]
    assert problems == [Problem(5, "unknown site 'nowhere'")]


def test_a_header_without_the_columns_is_one_problem_on_line_1() -> None:
    good, problems = read_kiosks("name,place\n北,1F\n", CITY, [])
    assert good == []
    assert [str(p) for p in problems] == [
        "line 1: the first line must name the columns name, location, site "
        "(missing: location, site; unknown: place)"
    ]


def test_a_line_with_the_wrong_number_of_columns_is_a_problem() -> None:
    good, problems = read_kiosks("name,location,site\n北,1F\n南,2F,,extra\n", CITY, [])
    assert good == []
    assert problems == [
        Problem(2, "2 columns, the first line has 3"),
        Problem(3, "4 columns, the first line has 3"),
    ]


def test_names_taken_in_the_database_or_earlier_in_the_file_are_problems() -> None:
    text = "name,location,site\n北,1F,\n北,2F,\n東,3F,\n"
    good, problems = read_kiosks(text, CITY, ["東"])
    assert [k.name for k in good] == ["北"]
    assert problems == [
        Problem(3, "kiosk '北' is on line 2 too"),
        Problem(4, "a kiosk named '東' exists"),
    ]


@pytest.mark.parametrize(
    ("line", "why"),
    [
        ("Tanaka,田中,staff,shimin,", "username 'Tanaka' must be 1-64 lower-case letters"),
        ("tanaka,,staff,shimin,", "display_name is empty"),
        ("tanaka,田中,staff,,", "staff need at least one department"),
        ("tanaka,田中,chief,shimin,", "role 'chief' is not one of staff, supervisor, admin"),
        ("tanaka,田中,staff,shimin;kenko,", "unknown department kenko"),
        ("tanaka,田中,staff,shimin,moji", "unknown site 'moji'"),
        ("sato,佐藤,staff,shimin,", "username 'sato' is taken"),
    ],
)
def test_each_bad_staff_line_says_why(line: str, why: str) -> None:
    good, problems = read_staff(
        f"username,display_name,role,departments,site\n{line}\n", CITY, ["sato"]
    )
    assert good == []
    assert len(problems) == 1
    assert problems[0].line == 2
    assert problems[0].message.startswith(why)


def test_a_supervisor_needs_no_department() -> None:
    good, problems = read_staff(
        "username,display_name,role,departments,site\nyamada,山田,Supervisor,,\n", CITY, []
    )
    assert problems == []
    assert good[0].role is Role.SUPERVISOR


def test_excels_bom_is_dropped_and_shift_jis_is_refused_with_its_line() -> None:
    assert decode(b"\xef\xbb\xbfname,location,site\r\n") == "name,location,site\r\n"
    with pytest.raises(ValueError, match="line 2: not UTF-8"):
        decode("name,location,site\n北,1F,\n".encode("shift_jis"))
