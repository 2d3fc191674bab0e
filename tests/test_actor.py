"""Who is acting: the OS login mapped to a user of the database (read in plain SQL)."""

from __future__ import annotations

from app.models import User
from app.services.actor import current_actor
from tests.factories import make_users


def test_the_first_login_on_an_empty_database_becomes_its_administrator(db):
    actor = current_actor(db, "mdupont")
    assert actor.is_admin and actor.is_validator and actor.user_id is not None
    assert current_actor(db, "mdupont").user_id == actor.user_id  # registered once


def test_a_known_login_gets_the_users_name_capacity_and_rights(db):
    referent, validator = make_users(db)
    found = current_actor(db, "nbenali")
    assert found.user_id == referent.user_id
    assert (found.name, found.capacity) == ("Nadia Benali", "Assistante sociale")
    assert not found.is_validator and not found.is_admin
    assert current_actor(db, validator.login).is_validator


def test_an_unknown_or_deactivated_login_acts_without_rights(db):
    make_users(db)
    stranger = current_actor(db, "inconnu")
    assert stranger.user_id is None and not stranger.is_admin
    with db.write() as s:
        s.query(User).filter_by(os_login="nbenali").one().active = False
    assert current_actor(db, "nbenali").user_id is None
