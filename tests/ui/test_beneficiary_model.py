"""The beneficiary table model: Qt contract, lazy loading, SQL filter and sort."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QModelIndex, Qt

from app.services import beneficiary_search as svc
from app.services.beneficiary_search import BeneficiaryFilter
from app.services.errors import DatabaseUnavailable
from app.services.text import fold
from app.ui.beneficiary_table_model import (
    COL_ALLOCATAIRE,
    COL_BIRTH_DATE,
    COL_COMMUNE,
    COL_NAME,
    HEADERS,
    ID_ROLE,
    PAGE_SIZE,
    BeneficiaryTableModel,
)

pytestmark = pytest.mark.usefixtures("fake_dialogs")


def names(model: BeneficiaryTableModel, count: int = 5) -> list[str]:
    return [model.index(r, COL_NAME).data() for r in range(min(count, model.rowCount()))]


def test_qt_contract_on_empty_database(qtmodeltester, db):
    model = BeneficiaryTableModel(db)
    model.reload()
    assert model.rowCount() == 0 and model.total == 0
    qtmodeltester.check(model)


def test_qt_contract_on_populated_database(qtmodeltester, populated_db):
    model = BeneficiaryTableModel(populated_db, page_size=50)
    model.reload()
    qtmodeltester.check(model)  # also exercises canFetchMore/fetchMore


def test_headers_are_french():
    model = BeneficiaryTableModel(None)  # type: ignore[arg-type] - no query without reload()
    titles = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert titles == list(HEADERS)
    assert titles[0] == "Nom et prénom" and "N° allocataire" in titles and "Dossier" in titles


def test_nothing_is_queried_before_reload(monkeypatch, db):
    def boom(*_a, **_k):
        raise AssertionError("queried")

    monkeypatch.setattr(svc, "list_beneficiaries", boom)
    monkeypatch.setattr(svc, "count_beneficiaries", boom)
    model = BeneficiaryTableModel(db)
    model.sort(COL_NAME, Qt.SortOrder.AscendingOrder)  # the initial order: no query
    assert model.rowCount() == 0


def test_lazy_loading_by_pages(population):
    model = BeneficiaryTableModel(population.db)
    with_counts = []
    model.countChanged.connect(with_counts.append)
    model.reload()
    assert model.total == len(population.people) == 300
    assert model.rowCount() == PAGE_SIZE
    assert model.canFetchMore(QModelIndex())
    model.fetchMore(QModelIndex())
    assert model.rowCount() == 300
    assert not model.canFetchMore(QModelIndex())
    assert with_counts == [300]
    ids = {model.row_id(r) for r in range(model.rowCount())}
    assert ids == {p.id for p in population.people}


def test_one_page_query_and_at_most_one_count_per_change(monkeypatch, populated_db):
    calls: list[str] = []
    real_list, real_count = svc.list_beneficiaries, svc.count_beneficiaries
    monkeypatch.setattr(
        svc, "list_beneficiaries", lambda *a, **k: calls.append("page") or real_list(*a, **k)
    )
    monkeypatch.setattr(
        svc, "count_beneficiaries", lambda *a, **k: calls.append("count") or real_count(*a, **k)
    )
    model = BeneficiaryTableModel(populated_db)
    model.reload()
    assert calls == ["page", "count"]  # a full first page: the count is needed
    calls.clear()
    model.set_filter(BeneficiaryFilter(text="helene"))
    assert calls == ["page"]  # a short first page is the whole result
    calls.clear()
    model.set_filter(BeneficiaryFilter(text="helene"))
    assert calls == []  # unchanged filter: nothing
    for r in range(model.rowCount()):
        for c in range(model.columnCount()):
            model.index(r, c).data()
    assert calls == []  # data() never queries


def test_cells_are_formatted(population):
    model = BeneficiaryTableModel(population.db)
    model.set_filter(BeneficiaryFilter(text="1234567"))
    assert model.total == 1
    helene = population.named("Lefèvre")
    assert model.index(0, COL_NAME).data() == "LEFÈVRE Hélène"
    assert model.index(0, COL_ALLOCATAIRE).data() == "CAF 1234567"
    assert model.index(0, COL_COMMUNE).data() == "Évry-Courcouronnes"
    day, month, year = model.index(0, COL_BIRTH_DATE).data().split("/")
    assert len(day) == 2 and len(month) == 2 and len(year) == 4
    assert model.index(0, COL_NAME).data(ID_ROLE) == helene.id
    assert model.row_id(0) == helene.id
    assert model.row_of(helene.id) == 0


def test_filter_is_accent_and_case_insensitive(populated_db):
    model = BeneficiaryTableModel(populated_db)
    model.set_filter(BeneficiaryFilter(text="HELENE lefevre"))
    assert names(model) == ["LEFÈVRE Hélène"]
    model.set_filter(BeneficiaryFilter(text="zoé bégué"))
    assert names(model) == ["BÉGUÉ Zoé"]


def test_sort_in_sql_ascending_and_descending(population):
    model = BeneficiaryTableModel(population.db)
    model.reload()
    assert names(model, 1) == ["AARON Abel"]
    model.sort(COL_NAME, Qt.SortOrder.DescendingOrder)
    assert names(model, 1) == ["ZYLBERSTEIN Zacharie"]
    folded = [fold(n) for n in names(model, PAGE_SIZE)]
    assert folded == sorted(folded, reverse=True)
    model.sort(COL_COMMUNE, Qt.SortOrder.AscendingOrder)
    communes = [model.index(r, COL_COMMUNE).data() for r in range(model.rowCount())]
    expected = sorted((p.commune for p in population.people), key=fold)[: len(communes)]
    assert communes == expected


def test_failure_is_reported_and_retried(monkeypatch, populated_db):
    model = BeneficiaryTableModel(populated_db, page_size=100)
    model.reload()
    failures = []
    model.loadFailed.connect(failures.append)
    real = svc.list_beneficiaries

    def locked(*_a, **_k):
        raise DatabaseUnavailable("La base de données est occupée par un autre poste.")

    monkeypatch.setattr(svc, "list_beneficiaries", locked)
    model.fetchMore(QModelIndex())  # as the view would, from Qt: must not raise
    assert len(failures) == 1 and isinstance(failures[0], DatabaseUnavailable)
    assert model.rowCount() == 100
    assert not model.canFetchMore(QModelIndex())  # no storm of failing fetches
    monkeypatch.setattr(svc, "list_beneficiaries", real)
    assert model.retry()
    assert model.rowCount() == 200 and model.canFetchMore(QModelIndex())


def test_a_search_waiting_on_a_locked_share_can_be_cancelled_then_retried(
    qtbot, populated_db, monkeypatch
):
    import sqlite3

    from PySide6.QtCore import QTimer

    from app.services import storage
    from app.services.lock_wait import WaitCancelled
    from app.ui import db_wait

    monkeypatch.setitem(storage.BUSY_TIMEOUT_MS, "local", 600_000)
    model = BeneficiaryTableModel(populated_db, page_size=50)
    model.reload()
    before = names(model)
    failures: list[object] = []
    model.loadFailed.connect(failures.append)

    def press_annuler() -> None:
        dialog = db_wait.current_wait_dialog()
        if dialog is None:
            QTimer.singleShot(50, press_annuler)
            return
        dialog.cancel_button.click()

    blocker = sqlite3.connect(populated_db.path, timeout=0)
    blocker.isolation_level = None
    blocker.execute("BEGIN EXCLUSIVE")  # another station committing a long import chunk
    try:
        QTimer.singleShot(50, press_annuler)
        model.set_filter(BeneficiaryFilter(text="mar"))
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert len(failures) == 1 and isinstance(failures[0], WaitCancelled)
    assert names(model) == before  # the list as it was, nothing half-loaded
    assert model.retry()  # once the share is free, the same search goes through
    assert all("mar" in fold(n) for n in names(model, 50))
