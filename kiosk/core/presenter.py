"""Turns the controller's model into the view: which page, its words, and the frame around it.

Pure functions of the model, the clocks and the catalogs; no Qt. Times on the wire are epoch
seconds and are shown in Asia/Tokyo (docs/protocol.md, Conventions).
"""

from __future__ import annotations

import math
from datetime import datetime
from zoneinfo import ZoneInfo

from kiosk.city_text import CityText, said
from kiosk.core.call_presenter import in_call_view
from kiosk.core.model import KioskModel, Unavailable
from kiosk.core.state import IN_SESSION, STILL_THERE_CHECK, KioskState, Overlay
from kiosk.core.viewmodels import (
    Action,
    AdminPinVM,
    AttractVM,
    Chrome,
    ClosedVM,
    ConfirmVM,
    Face,
    Icon,
    KioskVM,
    LanguageOption,
    LanguageStart,
    LanguageVM,
    MessageVM,
    OpenDepartment,
    Page,
    ReadyVM,
    ScreenVM,
    SurveyVM,
    TimeoutWarningVM,
    Toggle,
    TopicOption,
    TopicVM,
    TransferringVM,
    WaitingVM,
)
from kiosk.i18n import NATIVE_NAMES, Language, Translator
from kiosk.theme import HIGH_CONTRAST, STANDARD, Kind, Theme
from signaling import protocol as p

TOKYO = ZoneInfo("Asia/Tokyo")
S = KioskState

_OVERLAY_PAGES = {
    Overlay.TIMEOUT_WARNING: Page.TIMEOUT_WARNING,
    Overlay.CONFIRM_END: Page.CONFIRM_END,
    Overlay.LANGUAGE: Page.LANGUAGE,
    Overlay.ADMIN_PIN: Page.ADMIN_PIN,
}
_CATEGORY_ICONS = {icon.value: icon for icon in Icon}
_FACES = (Icon.FACE_1, Icon.FACE_2, Icon.FACE_3, Icon.FACE_4, Icon.FACE_5)


def present(model: KioskModel, *, now: float, wall: float) -> KioskVM:
    """The view for this moment; `now` is monotonic, `wall` epoch seconds."""
    citizen = model.citizen
    tr = Translator(citizen.language)
    city = CityText(tr, model.directory.readings if model.directory is not None else {})
    page = _OVERLAY_PAGES[model.overlay] if model.overlay else Page(model.state.value)
    theme = Theme(
        palette=HIGH_CONTRAST if citizen.high_contrast else STANDARD,
        language=citizen.language,
        large_text=citizen.large_text,
    )
    screen = _screen(page, model, tr, city, now, datetime.fromtimestamp(wall, TOKYO))
    chrome = _chrome(page, model, tr, city)
    return KioskVM(
        page=page, screen=screen, chrome=chrome, theme=theme, generation=model.generation
    )


def _screen(
    page: Page, model: KioskModel, tr: Translator, city: CityText, now: float, today: datetime
) -> ScreenVM:
    citizen = model.citizen
    match page:
        case Page.ATTRACT:
            return _attract(model, tr, city, today)
        case Page.LANGUAGE:
            return LanguageVM(
                title=tr("language.title"),
                options=tuple(
                    LanguageOption(language, NATIVE_NAMES[language], language is citizen.language)
                    for language in Language
                ),
            )
        case Page.TOPIC:
            return _topics(model, tr, city, today)
        case Page.READY:
            return _ready(model, tr)
        case Page.WAITING:
            return _waiting(model, tr, city)
        case Page.CLOSED:
            return _closed(model, tr, city, today)
        case Page.IN_CALL:
            staff = model.citizen.staff
            department = _department_name(model, city, staff.department_id if staff else None)
            return in_call_view(model, tr, city, department)
        case Page.TRANSFERRING:
            return _transferring(model, tr, city)
        case Page.SURVEY:
            return SurveyVM(
                title=tr("survey.title"),
                hint=tr("survey.hint"),
                faces=tuple(
                    Face(score, tr(f"survey.score.{score}"), _FACES[score - 1])
                    for score in range(5, 0, -1)
                ),
            )
        case Page.THANK_YOU:
            lines = (tr("thanks.cut_off"),) if citizen.cut_off else ()
            return MessageVM(tr("thanks.title"), (*lines, tr("thanks.cleared")), Icon.CHECK)
        case Page.UNAVAILABLE:
            reason = {
                Unavailable.RETRYING: "unavailable.retrying",
                Unavailable.DISABLED: "unavailable.disabled",
                Unavailable.ERROR: "unavailable.error",
            }[model.unavailable]
            return MessageVM(
                tr("unavailable.title"), (tr(reason), tr("unavailable.help")), Icon.WARNING
            )
        case Page.TIMEOUT_WARNING:
            deadline = model.warning_deadline if model.warning_deadline is not None else now
            left = max(0, math.ceil(deadline - now))
            words = "still_waiting" if model.state in STILL_THERE_CHECK else "timeout"
            return TimeoutWarningVM(
                title=tr(f"{words}.title"),
                countdown=tr(f"{words}.countdown", seconds=left),
                seconds_left=left,
                seconds_total=0,
            )
        case Page.CONFIRM_END:
            return ConfirmVM(tr("confirm_end.title"))
        case Page.ADMIN_PIN:
            admin = model.admin
            message = "admin.locked" if admin.locked else "admin.wrong" if admin.wrong else ""
            return AdminPinVM(
                title=tr("admin.title"),
                entered=len(admin.digits),
                message=tr(message) if message else "",
                clear=tr("admin.clear"),
            )


def _chrome(page: Page, model: KioskModel, tr: Translator, city: CityText) -> Chrome:
    citizen = model.citizen
    back = Action(tr("chrome.back"), Kind.NEUTRAL, Icon.BACK)
    cancel = Action(tr("chrome.cancel"), Kind.STOP, Icon.CANCEL)
    bottom: dict[Page, tuple[Action | None, Action | None]] = {
        Page.ATTRACT: (None, Action(tr("attract.start"), Kind.GO, Icon.NEXT)),
        Page.LANGUAGE: (back, None),
        Page.TOPIC: (back, None),
        Page.READY: (back, Action(_call_label(model, tr), Kind.GO, Icon.PERSON)),
        Page.WAITING: (cancel, None),
        Page.CLOSED: (back, None),
        Page.IN_CALL: (None, None),  # the call screen has its own end button, and no bar
        Page.TRANSFERRING: (cancel, None),
        Page.SURVEY: (Action(tr("survey.skip"), Kind.NEUTRAL, Icon.NEXT), None),
        Page.THANK_YOU: (None, Action(tr("thanks.finish"), Kind.GO, Icon.CHECK)),
        Page.UNAVAILABLE: (None, None),
        Page.TIMEOUT_WARNING: (
            Action(tr("timeout.end"), Kind.STOP, Icon.CANCEL),
            Action(tr("timeout.extend"), Kind.GO, Icon.CLOCK),
        ),
        Page.CONFIRM_END: (
            Action(tr("confirm_end.no"), Kind.NEUTRAL, Icon.BACK),
            Action(tr("confirm_end.yes"), Kind.STOP, Icon.END_CALL),
        ),
        Page.ADMIN_PIN: (
            Action(tr("chrome.cancel"), Kind.NEUTRAL, Icon.CANCEL),
            Action(tr("admin.exit"), Kind.STOP, Icon.CHECK),
        ),
    }
    if page is Page.TIMEOUT_WARNING and model.state in STILL_THERE_CHECK:
        bottom[page] = (
            Action(tr("still_waiting.no"), Kind.STOP, Icon.CANCEL),
            Action(tr("still_waiting.yes"), Kind.GO, Icon.CHECK),
        )
    left, right = bottom[page]
    reconnecting = not model.hub_up and model.state in IN_SESSION
    notice = tr("waiting.reconnecting") if reconnecting else ""
    return Chrome(
        title=_center_name(model, city),
        language_label=NATIVE_NAMES[citizen.language],
        large_text=Toggle(tr("chrome.large_text"), citizen.large_text, Icon.TEXT_SIZE),
        high_contrast=Toggle(tr("chrome.high_contrast"), citizen.high_contrast, Icon.CONTRAST),
        back=left,
        primary=right,
        notice=notice,
    )


def _call_label(model: KioskModel, tr: Translator) -> str:
    audio_only = model.devices.camera is not p.DeviceHealth.OK
    return tr("ready.call_audio_only" if audio_only else "ready.call")  # and agree


PRIVACY_POINTS = ("no_recording", "nothing_kept", "what_is_kept")


def _ready(model: KioskModel, tr: Translator) -> ReadyVM:
    camera_ok = model.devices.camera is p.DeviceHealth.OK
    microphone_ok = model.devices.microphone is p.DeviceHealth.OK
    return ReadyVM(
        title=tr("ready.title"),
        camera_ok=camera_ok,
        camera_text=tr("device.camera_ok" if camera_ok else "device.camera_missing"),
        microphone_ok=microphone_ok,
        microphone_text=tr("device.mic_ok" if microphone_ok else "device.mic_missing"),
        level_shown=microphone_ok and model.capabilities.microphone_level,
        points=tuple(tr(f"privacy.{key}") for key in PRIVACY_POINTS),
    )


def _department_name(model: KioskModel, city: CityText, department_id: str | None) -> str | None:
    """The department's name in the citizen's language, for a sentence; None: unnamed."""
    directory = model.directory
    if directory is not None:
        for department in directory.departments:
            if department.id == department_id:
                return city.name(department.names)
    return None


def _center_name(model: KioskModel, city: CityText) -> str:
    """Where the kiosk stands, in the citizen's language when the city named its site."""
    directory = model.directory
    if directory is not None and model.site_id is not None:
        for site in directory.sites:
            if site.id == model.site_id:
                return city.label(site.names)
    return model.center_name


def _category_department(model: KioskModel) -> str | None:
    directory, category_id = model.directory, model.citizen.category_id
    if directory is not None:
        for category in directory.categories:
            if category.id == category_id:
                return category.department_id
    return None


def _local(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, TOKYO)


def _closing_time(tr: Translator, closes_at: float) -> str:
    moment = _local(closes_at)
    # A day that runs to midnight closes at 24:00, as notices write it, not at 0:00.
    return "24:00" if (moment.hour, moment.minute) == (0, 0) else tr.clock(moment)


def _attract(model: KioskModel, tr: Translator, city: CityText, today: datetime) -> AttractVM:
    directory = model.directory
    # Only the desks this kiosk's topics reach: in a city with wards, other wards' 市民課 are
    # not where its citizens queue (their calls may overflow there, unseen).
    reached = {c.department_id for c in directory.categories} if directory is not None else set()
    departments = [d for d in directory.departments if d.id in reached] if directory else []
    # Open by the clock is not enough: only a department with someone on duty answers a call.
    open_now = tuple(
        OpenDepartment(
            city.label(d.names),
            tr("attract.open_until", time=_closing_time(tr, d.closes_at)) if d.closes_at else "",
        )
        for d in departments
        if d.open_now and d.staffed
    )
    unstaffed = tuple(city.label(d.names) for d in departments if d.open_now and not d.staffed)
    if open_now:
        none_open = ""
    else:
        none_open = tr("attract.staffed_none" if unstaffed else "attract.none_open")
    return AttractVM(
        center=_center_name(model, city),
        heading=tr("attract.heading"),
        clock=tr.clock(today),
        date=tr("attract.date", date=tr.month_day(today), weekday=tr.weekday(today)),
        open_title=tr("attract.open_now"),
        open_departments=open_now,
        none_open=none_open,
        unstaffed_title=tr("attract.unstaffed") if unstaffed else "",
        unstaffed_departments=unstaffed,
        touch=tr("attract.touch"),
        starts=tuple(
            LanguageStart(language, Translator(language)("attract.start_in"))
            for language in Language
        ),
    )


def _topics(model: KioskModel, tr: Translator, city: CityText, today: datetime) -> TopicVM:
    directory = model.directory
    page_label = tr.template("topic.page")
    if directory is None:
        return TopicVM(tr("topic.title"), (), page_label)
    departments = {d.id: d for d in directory.departments}
    topics = []
    for category in directory.categories:
        department = departments.get(category.department_id)
        is_open = department is not None and department.open_now
        if is_open:
            description = city.label(category.descriptions)
        elif department is not None and department.opens_at is not None:
            description = tr("topic.closed_opens", when=tr.when(_local(department.opens_at), today))
        else:
            description = tr("topic.closed")
        topics.append(
            TopicOption(
                category_id=category.id,
                name=city.label(category.names),
                description=description,
                icon=_CATEGORY_ICONS.get(category.icon, Icon.COUNTER),
                open=is_open,
            )
        )
    return TopicVM(tr("topic.title"), tuple(topics), page_label)


def _waiting(model: KioskModel, tr: Translator, city: CityText) -> WaitingVM:
    citizen = model.citizen
    department = _department_name(model, city, _category_department(model))
    place = citizen.place
    if place is None:
        return WaitingVM(
            title=said(tr, "waiting.title", department),
            position="",
            eta="",
            notice="",
            lines=(tr("waiting.requesting"),),
        )
    nobody = place.eta_seconds is None or place.staff_on_duty == 0
    if nobody:
        eta = ""
    elif place.eta_seconds is not None and place.eta_seconds < 60:
        eta = tr("waiting.eta_soon")
    else:
        eta = tr(
            "waiting.eta", minutes=tr.minutes(max(2, math.ceil((place.eta_seconds or 0) / 60)))
        )
    # With nobody on duty, nobody is next: say the place, and what happens, never "you are next".
    position = (
        tr("waiting.position_next")
        if place.position <= 1 and not nobody
        else tr("waiting.position", position=place.position)
    )
    notice = (
        "\n".join(
            (
                said(tr, "waiting.nobody", department),
                tr("waiting.nobody_then"),
                tr("waiting.nobody_hint"),
            )
        )
        if nobody
        else ""
    )
    return WaitingVM(
        title=said(tr, "waiting.title", department),
        position=position,
        eta=eta,
        notice=notice,
        lines=(tr("waiting.next_step"),),
    )


def _closed(model: KioskModel, tr: Translator, city: CityText, today: datetime) -> ClosedVM:
    closure = model.citizen.closure
    department_id = closure.department_id if closure else _category_department(model)
    department = _department_name(model, city, department_id)
    lines = []
    if closure is not None and closure.ended_while_waiting:
        lines.append(tr("closed.ended"))
    opens_at = closure.opens_at if closure is not None else None
    if opens_at is not None:
        lines.append(tr("closed.opens", when=tr.when(_local(opens_at), today)))
    elif closure is None or not closure.ended_while_waiting:
        lines.append(tr("closed.unknown"))
    lines.append(tr("closed.hint"))
    return ClosedVM(said(tr, "closed.title", department), tuple(lines))


def _transferring(model: KioskModel, tr: Translator, city: CityText) -> TransferringVM:
    citizen = model.citizen
    department = city.name(citizen.transfer_names or {})
    place = citizen.place
    if place is None:
        position = ""
    elif place.position <= 1:
        position = tr("transfer.position_next")
    else:
        position = said(tr, "transfer.position", department, position=place.position)
    return TransferringVM(
        title=said(tr, "transfer.title", department),
        body=tr("transfer.body"),
        position=position,
        wait=tr("transfer.wait"),
    )
