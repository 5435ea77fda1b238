"""chungtay migrate | backup | restore: moving a campaign between databases and back from a copy."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from handlers.catalog import t
from handlers.settings import Settings
from storage import transfer
from storage.db import Database, backup, from_database, is_postgres

EXIT_USAGE = 2
EXIT_FAILED = 1


def add_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    mig = sub.add_parser("migrate", help="copy this SQLite campaign into an empty PostgreSQL database")
    mig.add_argument("--to", required=True, metavar="postgresql://...", help="the PostgreSQL database")
    bak = sub.add_parser("backup", help="copy the database while the bot runs (pg_dump -Fc on PostgreSQL)")
    bak.add_argument("--out", type=Path, required=True)
    res = sub.add_parser("restore", help="put a backup in the database's place (stop the bot first)")
    res.add_argument("file", type=Path)
    res.add_argument("--force", action="store_true", help="replace a database that holds data")


def _say(settings: Settings, key: str, **values: object) -> str:
    return t(settings.campaign.language, key, **values)


def _fail(settings: Settings, key: str, code: int = EXIT_FAILED, **values: object) -> int:
    print(_say(settings, key, **values), file=sys.stderr)
    return code


async def _open(settings: Settings, target: str | Path) -> Database | None:
    try:
        return await Database.open(target)
    except (OSError, ValueError) as exc:
        print(_say(settings, "cli_cannot_connect", reason=_reason(exc)), file=sys.stderr)
    except Exception as exc:  # asyncpg's refusals (a wrong password, no such database)
        if type(exc).__module__.startswith("asyncpg"):
            print(_say(settings, "cli_cannot_connect", reason=_reason(exc)), file=sys.stderr)
        else:
            raise
    return None


def _reason(exc: BaseException) -> str:
    # One line, never the DSN (it may carry a password).
    return (str(exc).splitlines() or [type(exc).__name__])[0][:300]


async def migrate(settings: Settings, args: argparse.Namespace) -> int:
    if is_postgres(settings.storage.database):
        return _fail(settings, "cli_migrate_not_sqlite", EXIT_USAGE)
    if not is_postgres(args.to):
        return _fail(settings, "cli_migrate_not_postgres", EXIT_USAGE)
    source = await _open(settings, settings.storage.database)
    if source is None:
        return EXIT_FAILED
    try:
        target = await _open(settings, args.to)
        if target is None:
            return EXIT_FAILED
        try:
            if not await transfer.is_empty(target):
                return _fail(settings, "cli_migrate_target_not_empty", EXIT_USAGE)
            try:
                problems = await transfer.copy_campaign(source, target)
            except Exception as exc:  # a row PostgreSQL refuses: the copy's transaction is undone
                if not from_database(exc):
                    raise
                return _fail(settings, "cli_migrate_failed", reason=_reason(exc))
            if problems:
                print(_say(settings, "cli_migrate_mismatch"), file=sys.stderr)
                for problem in problems:
                    print(f"  {problem}", file=sys.stderr)
                return EXIT_FAILED
            houses, reports = await transfer.size(target)
            print(_say(settings, "cli_migrate_done", tables=len(await transfer.tables(source)),
                       houses=houses, reports=reports))
            return 0
        finally:
            await target.close()
    finally:
        await source.close()


async def backup_command(settings: Settings, db: Database, out: Path) -> int:
    try:
        made = await backup(db, out)
    except FileExistsError:
        return _fail(settings, "cli_backup_exists", EXIT_USAGE, file=out)
    except FileNotFoundError:
        return _fail(settings, "cli_pg_dump_missing")
    except RuntimeError as exc:
        return _fail(settings, "cli_backup_failed", reason=_reason(exc))
    key = "cli_backup_pg_done" if made == "pg_dump" else "cli_backup_done"
    print(_say(settings, key, file=out, media=settings.storage.media_dir))
    return 0


async def restore(settings: Settings, args: argparse.Namespace) -> int:
    if not args.file.is_file():
        return _fail(settings, "cli_restore_missing", EXIT_USAGE, file=args.file)
    where = settings.storage.database
    shown = "PostgreSQL" if is_postgres(where) else str(where)
    if is_postgres(where) or Path(where).exists():
        current = await _open(settings, where)
        if current is None:
            return EXIT_FAILED
        try:
            empty = await transfer.is_empty(current)
        finally:
            await current.close()
        if not empty and not args.force:
            return _fail(settings, "cli_target_not_empty", EXIT_USAGE, target=shown)
    try:
        if is_postgres(where):
            await transfer.restore_postgres(args.file, str(where))
        else:
            await transfer.restore_sqlite(args.file, Path(where))
    except FileNotFoundError:
        return _fail(settings, "cli_pg_restore_missing")
    except (RuntimeError, OSError) as exc:
        return _fail(settings, "cli_restore_failed", reason=_reason(exc))
    print(_say(settings, "cli_restore_done", file=args.file))
    return 0
