"""The call screen's view-model: the stage, the controls, the phrases and the staff's text."""

from __future__ import annotations

from kiosk.city_text import CityText, said
from kiosk.core.engine_port import KIOSK_PHRASES, CallMedia
from kiosk.core.model import VOLUME_STEPS, Citizen, KioskModel, PaperStatus
from kiosk.core.viewmodels import (
    ContentKind,
    ContentVM,
    Icon,
    InCallVM,
    MainArea,
    PadVM,
    PaperVM,
    PhraseOption,
    Toggle,
)
from kiosk.i18n import Translator

PAD_TEXTS_SHOWN = 2


def in_call_view(
    model: KioskModel, tr: Translator, city: CityText, department: str | None
) -> InCallVM:
    """The call screen: `department` is the name of the staff member's department."""
    citizen = model.citizen
    content = _content(citizen, tr)
    main = (
        MainArea.PAD
        if citizen.pad.open
        else MainArea.VIDEO
        if content is None
        else MainArea.CONTENT
    )
    # One thing in the main area at a time: the camera is offered while staff show nothing,
    # and stays while it is on so that it can be turned off.
    camera_offered = (
        model.devices.document_camera
        and main is not MainArea.PAD
        and (citizen.document_camera or main is MainArea.VIDEO)
    )
    staff = citizen.staff
    staff_label = (
        said(
            tr,
            "call.staff",
            department,
            name=city.staff_name(staff.display_name, staff.name_reading),
        )
        if staff is not None
        else ""
    )
    return InCallVM(
        staff_label=staff_label,
        you_label=tr("call.you"),
        status=_call_status(citizen, tr),
        staff_speaking=tr("call.speaking_staff") if citizen.staff_speaking else "",
        you_speaking=tr("call.speaking_you") if citizen.citizen_speaking else "",
        mute=(
            Toggle(
                tr("call.unmute" if citizen.muted else "call.mute"),
                citizen.muted,
                Icon.MIC_OFF if citizen.muted else Icon.MIC,
            )
            if model.capabilities.mute
            else None
        ),
        muted_text=tr("call.muted") if citizen.muted else "",
        volume_adjustable=model.capabilities.volume,
        volume_down=tr("call.volume_down"),
        volume_up=tr("call.volume_up"),
        volume_text=tr("call.volume", level=citizen.volume),
        volume=citizen.volume,
        volume_steps=VOLUME_STEPS,
        phrases=tuple(
            PhraseOption(phrase, tr(f"phrase.{phrase.value}")) for phrase in KIOSK_PHRASES
        ),
        notice=(
            tr("waiting.reconnecting")
            if not model.hub_up
            else tr("call.phrase_sent", phrase=tr(f"phrase.{citizen.phrase_sent.value}"))
            if citizen.phrase_sent is not None
            else ""
        ),
        staff_text_title=tr("call.staff_text"),
        staff_texts=tuple(city.staff_words(words) for words in citizen.staff_texts),
        hitsudan=tr("call.hitsudan"),
        content=content,
        main=main,
        zoomable=main is MainArea.CONTENT
        and content is not None
        and content.kind is not ContentKind.DOCUMENT_CAMERA,
        document_camera=_document_camera(model, tr) if camera_offered else None,
        paper=_paper(citizen, tr) if citizen.document_camera else None,
        zoom_in=tr("call.zoom_in"),
        zoom_out=tr("call.zoom_out"),
        zoom_fit=tr("call.zoom_reset"),
        end_label=tr("call.end"),
        pad=_pad(citizen, tr, city),
    )


def _pad(citizen: Citizen, tr: Translator, city: CityText) -> PadVM:
    pad = citizen.pad
    return PadVM(
        open=pad.open,
        strokes=tuple(pad.strokes.values()),
        staff_texts=tuple(city.staff_words(w) for w in citizen.staff_texts[-PAD_TEXTS_SHOWN:]),
        hint=tr("pad.hint"),
        open_label=tr("pad.open"),
        close_label=tr("pad.close"),
        clear_label=tr("pad.clear"),
    )


def _document_camera(model: KioskModel, tr: Translator) -> Toggle:
    on = model.citizen.document_camera
    label = tr("call.document_camera_off" if on else "call.document_camera_on")
    return Toggle(label, on, Icon.DOCUMENT_CAMERA)


def _paper(citizen: Citizen, tr: Translator) -> PaperVM:
    paper = citizen.paper
    status = None if paper is None else paper.status
    return PaperVM(
        guide=tr("call.paper_guide"),
        send=tr("call.paper_send"),
        can_send=status is not PaperStatus.SENDING,
        status="" if status is None else tr(f"call.paper_{status.value}"),
        sent_label=tr("call.paper_what_sent"),
        sent=None if paper is None or status is not PaperStatus.SENT else paper.image,
    )


def _call_status(citizen: Citizen, tr: Translator) -> str:
    if citizen.media is CallMedia.CONNECTING:
        return tr("call.connecting")
    if not citizen.peer_online:
        return tr("call.peer_offline")
    if citizen.media in (CallMedia.RECONNECTING, CallMedia.LOST):
        return tr("call.reconnecting")
    return ""


def _content(citizen: Citizen, tr: Translator) -> ContentVM | None:
    """What takes the main area: our document camera while it is on, else what staff show."""
    if citizen.document_camera:
        return ContentVM(ContentKind.DOCUMENT_CAMERA, tr("call.document_camera_off"), ("", 0), None)
    document = citizen.document
    if document is not None:
        focus = citizen.focus
        return ContentVM(
            ContentKind.PAGE,
            title=tr("call.document", page=document.page + 1, pages=document.page_count),
            page_key=(document.doc_id, document.page),
            image=document.image,
            marks=tuple(document.marks.values()),
            detail=document.detail,
            focus=focus if focus is not None and focus.doc_id == document.doc_id else None,
        )
    if citizen.screen_share:
        return ContentVM(ContentKind.SCREEN, tr("call.screen_share"), ("", 0), None)
    return None
