"""What a retention purge erases and what it keeps: :data:`CLASSIFICATION`, one entry per
column of every personal table (a test fails when a new column is not classified), and the
values the erased columns get (:func:`erasure`). See :mod:`app.services.retention`."""

from __future__ import annotations

from typing import Any

from app.models import Base

KEPT, ERASED, YEAR_KEPT, RECOMPUTED = "kept", "erased", "year kept", "recomputed"
# audit_event.before/after: the values of the erased columns are blanked, the rest kept.
REDACTED = "erased values blanked"

_TRACKED = {
    "id": KEPT,
    "version_id": KEPT,
    "created_at": KEPT,
    "created_by": KEPT,
    "updated_at": KEPT,
    "updated_by": KEPT,
}
CLASSIFICATION: dict[str, dict[str, str]] = {
    "beneficiary": {
        **_TRACKED,
        "civility": KEPT,
        "last_name": ERASED,
        "birth_name": ERASED,
        "first_name": ERASED,
        "birth_date": YEAR_KEPT,
        "address_line1": ERASED,
        "address_line2": ERASED,
        "postcode": ERASED,
        "commune": ERASED,
        "phone": ERASED,
        "email": ERASED,
        "paying_body": KEPT,
        "allocataire_number": ERASED,
        "nir": ERASED,
        "iban": ERASED,
        "bic": ERASED,
        "rsa_open_since": KEPT,
        "rsa_closed_on": KEPT,
        "orientation": KEPT,
        "orientation_date": KEPT,
        "global_support": KEPT,
        "support_contract": KEPT,
        "referent_id": KEPT,
        "office_id": KEPT,
        "current_case_state": KEPT,
        "last_contact_at": KEPT,
        "notes": ERASED,
        "search_text": RECOMPUTED,
        "sort_name": RECOMPUTED,
        "commune_key": RECOMPUTED,
        "anonymised_at": KEPT,
    },
    # The household: every row of the person is deleted.
    "household_member": {
        **_TRACKED,
        "beneficiary_id": ERASED,
        "relation": ERASED,
        "first_name": ERASED,
        "last_name": ERASED,
        "birth_date": ERASED,
    },
    "pack_case": {
        **_TRACKED,
        "reference": KEPT,
        "beneficiary_id": KEPT,
        "referent_id": KEPT,
        "office_id": KEPT,
        "scale_version_id": KEPT,
        "state": KEPT,
        "request_date": KEPT,
        "employer_name": ERASED,
        "employer_address": ERASED,
        "job_title": KEPT,
        "contract_type": KEPT,
        "job_start": KEPT,
        "trial_end": KEPT,
        "contract_end": KEPT,
        "weekly_hours": KEPT,
        "submitted_on": KEPT,
        "decided_on": KEPT,
        "end_date": KEPT,
        "exit_reason": KEPT,
        "employed_at_exit": KEPT,
        "suspended_since": KEPT,
        "observations_invited_on": KEPT,
        "observations_invited_by_id": KEPT,
        "observations_sent_on": KEPT,
        "observations_deadline": KEPT,
        "observations_grounds": ERASED,
        "notes": ERASED,
    },
    "decision": {
        **_TRACKED,
        "case_id": KEPT,
        "number": KEPT,
        "year": KEPT,
        "sequence": KEPT,
        "kind": KEPT,
        "decided_on": KEPT,
        "motivation": ERASED,
        "author_id": KEPT,
        "signer_name": KEPT,
        "signer_capacity": KEPT,
        "override_rules": KEPT,
        "override_motivation": ERASED,
    },
    "meeting": {
        **_TRACKED,
        "case_id": KEPT,
        "kind": KEPT,
        "held_on": KEPT,
        "mode": KEPT,
        "participants": ERASED,
        "obstacles": KEPT,
        "job_situation": ERASED,
        "notes": ERASED,
        "next_steps": ERASED,
        "next_meeting_on": KEPT,
        "author_id": KEPT,
    },
    # The payee's name and IBAN are erased when the payee is the person (a crèche stays).
    "instalment": {
        **_TRACKED,
        "case_id": KEPT,
        "aid_line_id": KEPT,
        "component": KEPT,
        "due_month": KEPT,
        "envelope_year": KEPT,
        "amount_cents": KEPT,
        "status": KEPT,
        "payee_kind": KEPT,
        "payee_name": ERASED,
        "payee_iban": ERASED,
        "batch_id": KEPT,
        "paid_on": KEPT,
    },
    "aid_line": {
        **_TRACKED,
        "case_id": KEPT,
        "component": KEPT,
        "monthly_cents": KEPT,
        "months": KEPT,
        "first_month": KEPT,
        "payee_kind": KEPT,
        "third_party_id": KEPT,
    },
    # The archived letters: their record stays; the file per ``anonymised_letters``.
    "document": {
        **_TRACKED,
        "case_id": KEPT,
        "decision_id": KEPT,
        "meeting_id": KEPT,
        "kind": KEPT,
        "reference": KEPT,
        "path": KEPT,
        "sha256": KEPT,
        "signed_by": KEPT,
        "signed_at": KEPT,
        "supersedes_id": KEPT,
        "superseded": KEPT,
    },
    "audit_event": {
        "id": KEPT,
        "at": KEPT,
        "user_login": KEPT,
        "workstation": KEPT,
        "action": KEPT,
        "entity": KEPT,
        "entity_id": KEPT,
        "case_id": KEPT,
        "summary": ERASED,
        "before": REDACTED,
        "after": REDACTED,
    },
    # What an import changed on the person (to undo it): deleted with the person's data.
    "import_undo": {
        "run_id": ERASED,
        "beneficiary_id": ERASED,
        "version_id": ERASED,
        "before": ERASED,
    },
}
ANONYMOUS_NAME = "ANONYME"


def erased_fields() -> set[str]:
    """The column names whose values an anonymisation blanks (in the audit trail too)."""
    return {
        name
        for table in ("beneficiary", "household_member", "pack_case", "decision", "meeting")
        for name, how in CLASSIFICATION[table].items()
        if how in (ERASED, YEAR_KEPT)
        and name not in ("beneficiary_id", "relation")  # ids and codes stay readable
    } | {"payee_name", "payee_iban", "household"}


def erasure(table: str) -> dict[str, Any]:
    """The values the columns classified « erased » of ``table`` get: NULL where the column
    allows it, else an empty text (the person's name: :data:`ANONYMOUS_NAME`)."""
    columns = Base.metadata.tables[table].columns
    values: dict[str, Any] = {
        name: None if columns[name].nullable else ""
        for name, how in CLASSIFICATION[table].items()
        if how == ERASED
    }
    if table == "beneficiary":
        values["last_name"] = ANONYMOUS_NAME
    return values
