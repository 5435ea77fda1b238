"""Every schema change exists for both databases: a SQLite migration without its PostgreSQL twin
would leave a PostgreSQL deployment without the table its code needs
(storage/migrations/postgresql/README.md)."""

from __future__ import annotations

from importlib import resources

from storage.db_postgres import placeholders


def _numbered(folder: str) -> dict[int, str]:
    files = resources.files("storage").joinpath("migrations")
    if folder:
        files = files.joinpath(folder)
    return {int(f.name[:3]): f.name for f in files.iterdir()
            if f.name.endswith(".sql") and f.name[:3].isdigit()}


def test_every_sqlite_migration_has_its_postgresql_twin_with_the_same_name() -> None:
    sqlite, postgres = _numbered(""), _numbered("postgresql")
    missing = sorted(set(sqlite) - set(postgres))
    assert not missing, (f"SQLite migrations {[sqlite[n] for n in missing]} have no twin in "
                         "storage/migrations/postgresql/ (see its README.md)")
    assert sorted(set(postgres) - set(sqlite)) == [], "a PostgreSQL migration without its SQLite twin"
    assert {n: postgres[n] for n in sqlite} == sqlite


def test_placeholders_are_numbered_as_sqlite_numbers_them() -> None:
    assert placeholders("SELECT ? , ?") == "SELECT $1 , $2"
    # A bare ? takes the number after the largest so far, as in SQLite.
    assert (placeholders("WHERE a = ?1 OR b = ?1 AND c > ? AND d < ?")
            == "WHERE a = $1 OR b = $1 AND c > $2 AND d < $3")
    assert placeholders("SELECT ?2, ?1, ?") == "SELECT $2, $1, $3"
    # Quoted text and comments keep their question marks.
    assert placeholders("SELECT 'what?' , \"a?\" -- why?\n, ?") == "SELECT 'what?' , \"a?\" -- why?\n, $1"
    assert placeholders("SELECT 'it''s ?', ?") == "SELECT 'it''s ?', $1"
