"""ORM schema. Import from here: ``from app.models import Beneficiary``."""

from app.models.base import Base
from app.models.cases import AidLine, Case, Decision, Instalment, Meeting, ThirdParty
from app.models.people import Beneficiary, HouseholdMember, Institution, Office, User
from app.models.records import AuditEvent, Counter, Document, PaymentBatch, Setting
from app.models.rules import Envelope, ScaleComponent, ScaleVersion

__all__ = [
    "AidLine",
    "AuditEvent",
    "Base",
    "Beneficiary",
    "Case",
    "Counter",
    "Decision",
    "Document",
    "Envelope",
    "HouseholdMember",
    "Instalment",
    "Institution",
    "Meeting",
    "Office",
    "PaymentBatch",
    "ScaleComponent",
    "ScaleVersion",
    "Setting",
    "ThirdParty",
    "User",
]
