"""Outcome codes: what staff record at a wrap-up (解決, 継続対応…), and the set a city starts with.

The hub refuses a wrap-up whose code is not in the directory (``unknown_outcome``), so a city
with no codes could never finish a consultation. A fresh city therefore gets DEFAULTS at its
first start (``ensure_outcome_codes``); from then on admins edit them on the admin page, the
API or madoguchi-admin, and the last one cannot be deleted (signaling/admin/outcome_edit.py).
"""

from __future__ import annotations

import re

import msgspec

from signaling.directory import KIOSK_LANGUAGES, Directory, DirectoryError, OutcomeCode
from signaling.store import Store
from signaling.store.city import DirectoryChange

DEFAULTED = "outcome_codes_defaulted"  # the audit action

DEFAULTS = (
    OutcomeCode(
        code="resolved",
        names={"ja": "解決", "ja-easy": "かいけつ", "en": "Resolved", "zh": "已解决",
               "ko": "해결", "vi": "Đã giải quyết"},
    ),
    OutcomeCode(
        code="follow_up",
        names={"ja": "継続対応", "ja-easy": "つづけて たいおう", "en": "Follow-up needed",
               "zh": "需后续跟进", "ko": "후속 조치", "vi": "Cần theo dõi tiếp"},
    ),
    OutcomeCode(
        code="referred",
        names={"ja": "他課へ案内", "ja-easy": "ほかの まどぐちへ あんない",
               "en": "Referred to another department", "zh": "已转介其他部门",
               "ko": "다른 부서로 안내", "vi": "Chuyển sang bộ phận khác"},
    ),
    OutcomeCode(
        code="documents_needed",
        names={"ja": "書類不足", "ja-easy": "しょるいが たりない", "en": "Documents needed",
               "zh": "材料不齐", "ko": "서류 부족", "vi": "Thiếu giấy tờ"},
    ),
    OutcomeCode(
        code="other",
        names={"ja": "その他", "ja-easy": "そのほか", "en": "Other", "zh": "其他", "ko": "기타",
               "vi": "Khác"},
    ),
)  # fmt: skip


# The rules directory.py holds for every id: codes go into URLs, the history and CSV files.
_SAFE_CODE = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
MAX_NAME_CHARS = 100


def check_outcome(outcome: OutcomeCode) -> None:
    """A safe code and a Japanese name, other names in the kiosk's languages; DirectoryError."""
    if not _SAFE_CODE.fullmatch(outcome.code):
        raise DirectoryError(
            f"outcome code {outcome.code!r} must be 1 to 64 lower-case letters, digits, - or _, "
            "starting with a letter or digit"
        )
    where = f"outcome code {outcome.code!r}"
    for language, name in outcome.names.items():
        if language not in KIOSK_LANGUAGES:
            raise DirectoryError(
                f"{where}: unknown language {language!r}; use {', '.join(KIOSK_LANGUAGES)}"
            )
        if not name.strip():
            raise DirectoryError(f"{where}: the {language} name is empty; leave it out instead")
        if len(name) > MAX_NAME_CHARS:
            raise DirectoryError(f"{where}: names have at most {MAX_NAME_CHARS} characters")
    if "ja" not in outcome.names:
        raise DirectoryError(f"{where}: a Japanese (ja) name is required")


def add_defaults(directory: Directory) -> DirectoryChange:
    """The edit that gives a city without outcome codes the default set (and only such a city)."""
    if directory.outcome_codes:
        return DirectoryChange(directory, DEFAULTED, "outcome_codes", {})
    for outcome in DEFAULTS:
        check_outcome(outcome)
    after = msgspec.structs.replace(directory, outcome_codes=list(DEFAULTS))
    detail = {"after": {"codes": [o.code for o in DEFAULTS]}}
    return DirectoryChange(after, DEFAULTED, "outcome_codes", detail)


async def ensure_outcome_codes(store: Store, *, actor: str, now: float) -> Directory:
    """Store the defaults if the city has no outcome code at all (audited); the directory."""
    return await store.edit_directory(add_defaults, actor=actor, now=now)
