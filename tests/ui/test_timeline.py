"""The aid timeline painted into an image, and its clicks."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QImage
from sqlalchemy import select

from app.models import Instalment
from app.models.enums import InstalmentStatus
from app.services import workflow
from app.services.case_view import load_case
from app.services.meetings import MeetingInput, save_meeting
from app.ui.timeline import STATUS_COLOURS, TODAY_COLOUR, AidTimeline
from tests.factories import granted_case, make_person, make_users


@pytest.fixture
def case_detail(db):
    referent, validator = make_users(db)
    person = make_person(db, referent)
    case_id = granted_case(
        db, referent, validator, person, on=date(2018, 3, 20), trial_end=date(2018, 5, 4)
    )
    save_meeting(
        db,
        referent,
        MeetingInput(case_id, date(2018, 4, 12), notes="Point d'étape."),
        today=date(2018, 4, 12),
    )
    with db.write() as s:  # finance paid March and mandated April
        for inst in s.scalars(select(Instalment).where(Instalment.case_id == case_id)):
            if inst.due_month == date(2018, 3, 1):
                inst.status = "paid"
            elif inst.due_month == date(2018, 4, 1):
                inst.status = "mandated"
    workflow.suspend(db, referent, case_id, "Congé sans solde", on=date(2018, 6, 1))
    return load_case(db, case_id, referent)


def render(widget: AidTimeline) -> QImage:
    image = QImage(widget.size(), QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.white)
    widget.render(image)
    return image


def close(a: QColor, b: QColor, tolerance: int = 40) -> bool:
    return all(abs(x - y) <= tolerance for x, y in zip(a.getRgb()[:3], b.getRgb()[:3], strict=True))


def test_timeline_paints_lanes_instalments_meetings_and_landmarks(qtbot, case_detail):
    widget = AidTimeline()
    qtbot.addWidget(widget)
    widget.resize(900, 220)
    widget.set_case(case_detail, today=date(2018, 6, 15))
    image = render(widget)
    image.save("/tmp/shots/timeline.png")
    instalments = [i for i in widget.items if i.kind == "instalment"]
    assert len(instalments) == 11
    meetings = [i for i in widget.items if i.kind == "meeting"]
    assert len(meetings) == 1
    # Each painted instalment carries its status colour at its centre (text aside: sample
    # near the left edge).
    by_id = {i.id: i for i in case_detail.instalments}
    for item in instalments:
        status = by_id[item.id].status
        point = QPoint(int(item.rect.left() + 3), int(item.rect.center().y()))
        colour = STATUS_COLOURS[status]
        expected = (
            [colour, colour.darker(125)] if status is InstalmentStatus.SUSPENDED else [colour]
        )
        assert any(close(image.pixelColor(point), c) for c in expected), status
    assert {by_id[i.id].status for i in instalments} == {
        InstalmentStatus.PAID,
        InstalmentStatus.MANDATED,
        InstalmentStatus.SUSPENDED,
    }
    # The "today" line is drawn at 15/06/2018.
    x = round(widget.x_of(date(2018, 6, 15)))
    column = [image.pixelColor(QPoint(x + dx, y)) for dx in (-1, 0, 1) for y in range(40, 60)]
    assert any(close(c, TODAY_COLOUR, 60) for c in column)
    # Tooltips speak French.
    assert "Garde d'enfant" in instalments[0].tooltip or "Transport" in instalments[0].tooltip


def test_clicking_an_instalment_emits_its_id(qtbot, case_detail):
    widget = AidTimeline()
    qtbot.addWidget(widget)
    widget.resize(900, 220)
    widget.set_case(case_detail, today=date(2018, 6, 15))
    render(widget)
    target = next(i for i in widget.items if i.kind == "instalment")
    with qtbot.waitSignal(widget.instalmentClicked) as blocker:
        qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=target.rect.center().toPoint())
    assert blocker.args == [target.id]
    meeting = next(i for i in widget.items if i.kind == "meeting")
    with qtbot.waitSignal(widget.meetingClicked) as blocker:
        qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=meeting.rect.center().toPoint())
    assert blocker.args == [meeting.id]


def test_empty_timeline_says_so(qtbot):
    widget = AidTimeline()
    qtbot.addWidget(widget)
    widget.resize(400, 120)
    render(widget)
    assert widget.items == []


def test_every_instalment_status_has_its_colour():
    from app.models.enums import InstalmentStatus
    from app.ui.timeline import STATUS_COLOURS

    assert set(STATUS_COLOURS) == set(InstalmentStatus)
