"""One call as the console holds it: who, how the media is doing, and what is being shown.

Plain Python and memory only: texts, marks and the page shown are forgotten when the call ends,
so no case data outlives it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from language.plain_japanese import Advice
from signaling import protocol as p
from staff_console.core.engine_port import (
    CallPhase,
    CitizenViewChanged,
    EnginePort,
    HighlightMark,
    MarkTool,
    PageMark,
    PenMark,
    PointerMark,
    ViewerChanged,
)
from staff_console.core.legibility import (
    WHOLE_PAGE,
    Box,
    Legibility,
    PageFacts,
    centre_of,
    fit,
    legible_box,
    text_size,
)
from staff_console.core.pad import Pad
from staff_console.core.viewmodels import (
    CallVM,
    CitizenScreen,
    DocumentVM,
    Handoff,
    MessageChoice,
    PaperStill,
    Quality,
    QualityVM,
    SentText,
)

MAX_TEXTS_SHOWN: Final = 20
# Thresholds for the quality light, after ITU-T G.114 (150 ms one way is fine for talk) and the
# loss at which Opus and VP8 start to show it.
GOOD_RTT_MS: Final = 300.0
FAIR_RTT_MS: Final = 600.0
GOOD_LOSS_PERCENT: Final = 2.0
FAIR_LOSS_PERCENT: Final = 8.0


def quality_of(rtt_ms: float | None, tracks: Sequence[p.TrackStats]) -> QualityVM:
    """A traffic light from the engine's stats: the worst of round trip and inbound loss."""
    inbound = [t for t in tracks if t.direction == "inbound"]
    losses = [t.packet_loss_percent for t in inbound if t.packet_loss_percent is not None]
    loss = max(losses) if losses else None
    fps = next((t.fps for t in inbound if t.kind == "video" and t.fps is not None), None)
    if rtt_ms is None and loss is None:
        return QualityVM(Quality.UNKNOWN, None, None, fps)
    rtt = rtt_ms or 0.0
    lost = loss or 0.0
    if rtt <= GOOD_RTT_MS and lost <= GOOD_LOSS_PERCENT:
        level = Quality.GOOD
    elif rtt <= FAIR_RTT_MS and lost <= FAIR_LOSS_PERCENT:
        level = Quality.FAIR
    else:
        level = Quality.POOR
    return QualityVM(level, rtt_ms, loss, fps)


@dataclass(slots=True)
class _Document:
    doc_id: str
    path: str  # "" for the citizen's paper, shown back from memory (doc_id is its paper id)
    page_count: int
    page: int = 0
    delivered: bool = False
    marks: dict[int, dict[str, PageMark]] = field(default_factory=dict)
    pointer: PointerMark | None = None


@dataclass(slots=True)
class Consultation:
    """The client-side state of one call, from `session_started` to the end of our leg."""

    started: p.SessionStarted
    category: str
    handoffs: tuple[Handoff, ...]
    started_at: float
    where: str = ""  # the kiosk's ward and location, as the queue showed it
    overflowed_from: str = ""  # the name of the citizen's own desk, when another ward's answers
    phase: CallPhase = CallPhase.CONNECTING
    peer_online: bool = True
    quality: QualityVM = field(default_factory=QualityVM)
    muted: bool = False
    camera_on: bool = True
    citizen_speaking: bool = False
    phrase: str = ""
    phrase_at: float = 0.0
    texts_sent: list[SentText] = field(default_factory=list)
    messages: tuple[MessageChoice, ...] = ()
    advice: tuple[Advice, ...] = ()
    remote_content: str | None = None
    sharing_screen: bool = False
    tool: MarkTool = MarkTool.POINTER
    document: _Document | None = None
    pad: Pad = field(default_factory=Pad)
    viewer: ViewerChanged | None = None  # the kiosk's content area, as it last announced
    citizen_view: CitizenViewChanged | None = None  # what the citizen sees, as last reported
    papers: list[PaperStill] = field(default_factory=list)  # in memory, for this call only
    _ids: int = 0
    _stroke: str | None = None

    @property
    def session_id(self) -> str:
        return self.started.session_id

    @property
    def department_id(self) -> str:
        """The department this leg of the call was queued at: a transfer never goes there."""
        return self.started.staff.department_id

    def _next_id(self, prefix: str) -> str:
        self._ids += 1
        return f"{prefix}{self._ids}"

    # --- Documents and marks -------------------------------------------------------------------

    def open_document(self, engine: EnginePort, path: Path, page_count: int) -> None:
        if self.document is not None:
            engine.close_document(self.document.doc_id)
        self.document = _Document(self._next_id("d"), str(path), max(1, page_count))
        self._show(engine)

    def show_paper(self, engine: EnginePort, paper_id: str) -> None:
        """Show the citizen their own paper back, to mark and point at like any page."""
        if not any(paper.paper_id == paper_id for paper in self.papers):
            return
        if self.document is not None and self.document.doc_id != paper_id:
            engine.close_document(self.document.doc_id)
        self.document = _Document(paper_id, "", 1)
        self._show(engine)

    def go_to_page(self, engine: EnginePort, page: int) -> None:
        document = self.document
        if document is None or not 0 <= page < document.page_count or page == document.page:
            return
        document.page = page
        document.pointer = None
        self._stroke = None
        self._show(engine)

    def close_document(self, engine: EnginePort) -> None:
        if self.document is not None:
            engine.close_document(self.document.doc_id)
        self.document = None

    def page_delivered(self, doc_id: str, page: int, shown: bool) -> None:
        document = self.document
        if document is not None and document.doc_id == doc_id and document.page == page:
            document.delivered = shown
            # A page the kiosk has drawn again needs its marks again.

    def point(self, engine: EnginePort, x: float, y: float, visible: bool = True) -> None:
        document = self.document
        if document is None:
            return
        document.pointer = PointerMark(_clamp(x), _clamp(y), visible)
        engine.send_marks(document.doc_id, document.page, [document.pointer])

    def highlight(
        self, engine: EnginePort, x: float, y: float, width: float, height: float
    ) -> None:
        document = self.document
        if document is None:
            return
        left, top = _clamp(min(x, x + width)), _clamp(min(y, y + height))
        mark = HighlightMark(
            self._next_id("h"),
            left,
            top,
            min(abs(width), 1.0 - left),
            min(abs(height), 1.0 - top),
        )
        self._keep(engine, document, mark)

    def draw(self, engine: EnginePort, points: Sequence[tuple[float, float]], done: bool) -> None:
        """A pen stroke as it grows; the kiosk replaces it by id each time it is resent."""
        document = self.document
        if document is None or not points:
            return
        if self._stroke is None:
            self._stroke = self._next_id("s")
        mark = PenMark(self._stroke, tuple((_clamp(x), _clamp(y)) for x, y in points))
        self._keep(engine, document, mark)
        if done:
            self._stroke = None

    def clear_marks(self, engine: EnginePort) -> None:
        document = self.document
        if document is None:
            return
        document.marks.pop(document.page, None)
        document.pointer = None
        engine.clear_marks(document.doc_id, document.page)

    def focus(self, engine: EnginePort, box: Box) -> None:
        """Look here: the kiosk zooms to `box` of the page on screen (a drag in any direction)."""
        document = self.document
        x, y, width, height = box
        left, top = _clamp(min(x, x + width)), _clamp(min(y, y + height))
        wire = (left, top, min(abs(width), 1.0 - left), min(abs(height), 1.0 - top))
        if document is None or wire[2] <= 0 or wire[3] <= 0:
            return  # nothing to look at: the content channel wants a box with an area
        engine.focus(document.doc_id, document.page, wire)

    def citizen_screen(self, facts: PageFacts | None) -> CitizenScreen | None:
        """What the citizen sees of the page on screen: reported by the kiosk, else fit."""
        document = self.document
        if document is None:
            return None
        viewer = self.viewer
        viewer_px = None if viewer is None else (viewer.width, viewer.height)
        mm_per_px = None if viewer is None else viewer.mm_per_px
        seen = self.citizen_view
        reported = seen is not None and (seen.doc_id, seen.page) == (document.doc_id, document.page)
        box: Box = WHOLE_PAGE
        drawn_px: tuple[int, int] | None = None
        if seen is not None and reported:
            box, drawn_px = seen.box, (seen.width_px, seen.height_px)
        elif facts is not None and viewer_px is not None:
            drawn_px = fit(WHOLE_PAGE, facts.size_pt, viewer_px)
        smallest = None if facts is None else facts.smallest_text_pt
        if facts is None or drawn_px is None:
            text = text_size(smallest, box, (1.0, 1.0), (0, 0), None)
        else:
            text = text_size(smallest, box, facts.size_pt, drawn_px, mm_per_px)
        target = None
        if (
            text.legibility is Legibility.TOO_SMALL
            and facts is not None
            and smallest is not None
            and viewer_px is not None
            and mm_per_px is not None
        ):
            centre = _legible_centre(document.pointer, box)
            target = legible_box(smallest, facts.size_pt, viewer_px, mm_per_px, centre)
        return CitizenScreen(viewer_px, mm_per_px, box, drawn_px, reported, text, target)

    def _keep(self, engine: EnginePort, document: _Document, mark: HighlightMark | PenMark) -> None:
        document.marks.setdefault(document.page, {})[mark.id] = mark
        engine.send_marks(document.doc_id, document.page, [mark])

    def _show(self, engine: EnginePort) -> None:
        document = self.document
        assert document is not None
        document.delivered = False
        if document.path:
            engine.show_page(Path(document.path), document.doc_id, document.page)
        else:
            engine.show_paper(document.doc_id)
        kept = list(document.marks.get(document.page, {}).values())
        if kept:
            engine.send_marks(document.doc_id, document.page, kept)

    def _paper_of(self, document: _Document) -> tuple[int, PaperStill | None]:
        """The still a document shows back and its number in the call, from 1; (0, None): a file."""
        if not document.path:
            for number, paper in enumerate(self.papers, start=1):
                if paper.paper_id == document.doc_id:
                    return number, paper
        return 0, None

    # --- The view -------------------------------------------------------------------------------

    def view(self, now: float, camera_problem: str, facts: PageFacts | None = None) -> CallVM:
        started = self.started
        document = None
        if self.document is not None:
            d = self.document
            marks: list[PageMark] = list(d.marks.get(d.page, {}).values())
            if d.pointer is not None and d.pointer.visible:
                marks.append(d.pointer)
            number, paper = self._paper_of(d)
            document = DocumentVM(
                d.doc_id, d.path, Path(d.path).name, d.page, d.page_count, self.tool,
                tuple(marks), d.delivered, self.citizen_screen(facts),
                image=None if paper is None else paper.image, paper_number=number,
            )  # fmt: skip
        return CallVM(
            session_id=started.session_id,
            kiosk_name=started.kiosk.name,
            kiosk_location=self.where or started.kiosk.location,
            overflowed_from=self.overflowed_from,
            category=self.category,
            language=started.language,
            handoffs=self.handoffs,
            phase=self.phase,
            peer_online=self.peer_online,
            quality=self.quality,
            muted=self.muted,
            camera_on=self.camera_on,
            camera_problem=camera_problem,
            citizen_speaking=self.citizen_speaking,
            talk_seconds=max(0, int(now - self.started_at)),
            phrase=self.phrase,
            phrase_age=max(0, int(now - self.phrase_at)) if self.phrase else 0,
            texts_sent=tuple(self.texts_sent[-MAX_TEXTS_SHOWN:]),
            messages=self.messages,
            advice=self.advice,
            remote_content=self.remote_content,
            sharing_screen=self.sharing_screen,
            document=document,
            pad=self.pad.view(),
            papers=tuple(self.papers),
        )


def _legible_centre(pointer: PointerMark | None, box: Box) -> tuple[float, float]:
    """Where staff last pointed, if the citizen can see it now; else the middle of their view."""
    if pointer is not None:
        x, y, width, height = box
        if x <= pointer.x <= x + width and y <= pointer.y <= y + height:
            return (pointer.x, pointer.y)
    return centre_of(box)


def _clamp(value: float) -> float:
    return min(1.0, max(0.0, value))
