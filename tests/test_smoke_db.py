from app.models import Institution


def test_write_then_read_round_trip(db):
    with db.write() as s:
        s.add(Institution(name="Département de l'Essonne", kind="departement"))
    with db.read() as s:
        assert s.query(Institution).one().name == "Département de l'Essonne"
