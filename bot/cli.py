"""chungtay run | demo | import | invite | users | disable | enable | export | backup | migrate | restore."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from bot.app import App
from bot.cli_database import add_commands as add_database_commands
from bot.config import TOKEN_ENV, ZALO_TOKEN_ENV, ConfigError, load_settings
from handlers.catalog import ROLES, label, t
from handlers.settings import Settings
from storage.codes import Role, UserStatus
from storage.models import Unit

EXIT_USAGE = 2
DEFAULT_CONFIG = "config.toml"
FORMATS = ("csv", "xlsx")
ROLES_OF_RUN = ("all", "receive", "work")
RUN_HELP = (f"start the bot: the Telegram channel when a Telegram token is set ({TOKEN_ENV} or "
            f"[telegram] token) and the Zalo channel when a Zalo token is set ({ZALO_TOKEN_ENV} or "
            "[zalo] token); one of them at least")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="chungtay", description="Chatbot báo cáo nhà — Chung tay xóa nhà tạm")
    p.add_argument("--config", default=DEFAULT_CONFIG, help=f"config file (default: {DEFAULT_CONFIG})")
    sub = p.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help=RUN_HELP, description=RUN_HELP)
    run.add_argument("--role", choices=ROLES_OF_RUN, default="all",
                     help="all: take updates and handle them (one process, the default); receive: "
                          "only store them in the inbox; work: handle what receivers stored, beside "
                          "any number of other workers (README: Chạy cho cả nước)")
    demo = sub.add_parser("demo", help="try the bot in this terminal, offline")
    demo.add_argument("--database", type=Path, help="keep the demo data in this SQLite file")
    imp = sub.add_parser("import", help="load units, houses or contributions from CSV or XLSX")
    imp.add_argument("kind", choices=["units", "houses", "contributions"])
    imp.add_argument("file", type=Path)
    inv = sub.add_parser("invite", help="make invite codes: personal ones (used once) or a group code")
    inv.add_argument("--unit", required=True, help="unit code")
    inv.add_argument("--role", required=True, choices=[r.value for r in Role])
    inv.add_argument("--count", type=int, default=1, help="how many personal codes (at most 500)")
    inv.add_argument("--group", action="store_true",
                     help="one code many volunteers join with (a meeting, a commune's Zalo group)")
    inv.add_argument("--until", help="a group code's last day, DD/MM/YYYY (default: in 7 days)")
    inv.add_argument("--max", type=int, default=50, help="how many people a group code admits (default 50)")
    inv.add_argument("--out", type=Path,
                     help="also write a printable A4 sheet of QR codes: FILE.pdf or FILE.xlsx")
    who = sub.add_parser("users", help="list the people who joined, with their role, unit and status")
    who.add_argument("--unit", help="only this unit and what lies below it")
    for name, what in (("disable", "take away a person's access (a lost phone, someone who left)"),
                       ("enable", "give a disabled account its access back")):
        cmd = sub.add_parser(name, help=what)
        cmd.add_argument("user_id", type=int, help="the id `chungtay users` shows")
    exp = sub.add_parser("export", help="write every report to CSV or XLSX; with --unit and XLSX, the "
                                           "officers' workbook (summary by unit, houses, reports)")
    exp.add_argument("--format", choices=FORMATS,
                     help="csv or xlsx (default: from the --out file's extension)")
    exp.add_argument("--out", type=Path, required=True)
    exp.add_argument("--unit", help="only this unit and what lies below it")
    exp.add_argument("--with-photos", action="store_true",
                     help="with --unit: a ZIP of the workbook and the unit's photos in photos/<house code>/")
    add_database_commands(sub)
    for command in sub.choices.values():
        # The same option after the subcommand (`chungtay run --config x.toml`), where people put
        # it; SUPPRESS keeps a value given before the subcommand when it is absent after.
        command.add_argument("--config", default=argparse.SUPPRESS,
                             help=f"config file (default: {DEFAULT_CONFIG})")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = _settings(args)
        problem = _export_format(args, settings.campaign.language) if args.command == "export" else None
        if problem:
            print(problem, file=sys.stderr)
            return EXIT_USAGE
        return asyncio.run(_dispatch(args, settings))
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


def _settings(args: argparse.Namespace) -> Settings:
    # The demo must work on a fresh clone with no config file at all.
    if args.command == "demo" and not Path(args.config).exists():
        return Settings()
    return load_settings(args.config)


def _say(settings: Settings, key: str, **values: object) -> str:
    """A line for the admin, in the campaign's language (the catalog, like everything the bot says)."""
    return t(settings.campaign.language, key, **values)


def _export_format(args: argparse.Namespace, lang: str) -> str | None:
    """Fill args.format from --out's extension; a one-line refusal when they disagree or say nothing
    (an .xlsx written as CSV, or the reverse, would open as garbage in Excel)."""
    suffix = args.out.suffix.lower()
    from_name = suffix[1:] if suffix[1:] in FORMATS else None
    if args.format and from_name and args.format != from_name:
        return t(lang, "cli_format_contradicts", format=args.format, file=args.out, suffix=suffix)
    args.format = args.format or from_name
    if args.format is None and not getattr(args, "with_photos", False):  # a ZIP names its own content
        return t(lang, "cli_format_unknown", file=args.out)
    return None


async def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "demo":
        from bot.demo import run_demo

        await run_demo(settings, args.database, input, print)
        return 0
    if args.command == "run":
        from bot.run import run_bot

        return await run_bot(settings, args.role)
    if args.command in ("migrate", "restore"):
        from bot import cli_database

        command = cli_database.migrate if args.command == "migrate" else cli_database.restore
        return await command(settings, args)
    app = await App.open(settings)
    try:
        handler = {"import": _import, "invite": _invite, "users": _users, "disable": _set_access,
                   "enable": _set_access, "export": _export, "backup": _backup}[args.command]
        return await handler(app, args)
    except _UnknownUnit:
        return EXIT_USAGE
    finally:
        await app.close()


async def _import(app: App, args: argparse.Namespace) -> int:
    from storage.importer import ImportRejected, import_houses, import_units
    from storage.sheets.readers import SheetLimits

    run = import_units if args.kind == "units" else import_houses
    limits = SheetLimits(max_rows=app.settings.imports.max_rows)
    try:
        if args.kind == "contributions":
            from storage.importer.contributions import import_contributions
            result = await import_contributions(app.db, args.file, at=app.ctx.stamp(), limits=limits,
                                                start=app.settings.campaign.start, today=app.ctx.now().date())
        else:
            result = await run(app.db, args.file, actor="cli", at=app.ctx.stamp(), limits=limits)
    except ImportRejected as exc:
        refused = _say(app.settings, "cli_import_rejected", file=args.file)
        wheres = [_say(app.settings, "cli_import_line", line=error.line) if error.line
                  else _say(app.settings, "cli_import_file") for error in exc.errors]
        if len(exc.errors) == 1:
            # A file refused as a whole (too long, unsafe, unreadable) is told in one line.
            print(f"{refused} {wheres[0]}: {exc.errors[0].reason}", file=sys.stderr)
            return EXIT_USAGE
        print(refused, file=sys.stderr)
        for where, error in zip(wheres, exc.errors, strict=True):
            print(f"  {where}: {error.reason}", file=sys.stderr)
        return EXIT_USAGE
    print(_say(app.settings, "cli_import_done", file=args.file, created=result.created,
               updated=result.updated))
    return 0


class _UnknownUnit(Exception):
    """Told to the admin already; the command exits with EXIT_USAGE."""


async def _unit(app: App, code: str) -> Unit:
    from storage import units

    unit = await units.by_code(app.db, code)
    if unit is None:
        print(_say(app.settings, "cli_unknown_unit", code=code), file=sys.stderr)
        raise _UnknownUnit(code)
    return unit


async def _invite(app: App, args: argparse.Namespace) -> int:
    from datetime import datetime, timedelta

    from handlers import bot_areas
    from handlers.invite import GROUP_DAYS, MAX_GROUP_DAYS, MAX_PEOPLE, card_for
    from handlers.invite_picture import write_pdf, write_xlsx
    from storage import audit, invites
    from storage.times import to_db

    # Every refusal comes before anything is stored.
    if args.group and args.role != Role.VOLUNTEER:
        print(_say(app.settings, "cli_group_volunteers_only"), file=sys.stderr)
        return EXIT_USAGE
    people = args.max if args.group else 1
    if not 1 <= args.count <= MAX_PEOPLE or not 1 <= people <= MAX_PEOPLE:
        print(_say(app.settings, "cli_count_range", most=MAX_PEOPLE), file=sys.stderr)
        return EXIT_USAGE
    sheet = args.out.suffix.lower() if args.out is not None else ""
    if args.out is not None and sheet not in (".pdf", ".xlsx"):
        print(_say(app.settings, "cli_invite_sheet_kind"), file=sys.stderr)
        return EXIT_USAGE
    now = app.ctx.now()
    if not args.group:
        expires = now + timedelta(days=app.settings.join.invite_days)
    elif args.until:
        try:
            day = datetime.strptime(args.until, "%d/%m/%Y").date()
        except ValueError:
            print(_say(app.settings, "cli_until_format", until=args.until), file=sys.stderr)
            return EXIT_USAGE
        if day < now.date():
            print(_say(app.settings, "cli_until_past", until=args.until), file=sys.stderr)
            return EXIT_USAGE
        if day > now.date() + timedelta(days=MAX_GROUP_DAYS):  # the chat's cap: a typing slip, not a plan
            print(_say(app.settings, "cli_until_too_far", until=args.until, days=MAX_GROUP_DAYS),
                  file=sys.stderr)
            return EXIT_USAGE
        expires = datetime.combine(day, datetime.max.time(), tzinfo=app.ctx.clock.tz)
    else:
        expires = now + timedelta(days=GROUP_DAYS)
    unit = await _unit(app, args.unit)
    bot = await bot_areas.username_for(app.db, app.settings, unit)
    if args.out is not None and not bot:
        print(_say(app.settings, "cli_sheet_needs_name"), file=sys.stderr)
        return EXIT_USAGE
    kind = invites.GROUP if args.group else invites.PERSONAL
    count = 1 if args.group else args.count
    stamp, until = app.ctx.stamp(), to_db(expires)
    async with app.db.transaction():
        codes = [await invites.create_until(app.db, unit.id, args.role, stamp, until, kind, people)
                 for _ in range(count)]
        for code in codes:
            await audit.log(app.db, stamp, None, "invite.create", "invite", code,
                            {"by": "cli", "unit_id": unit.id, "role": args.role, "kind": kind,
                             "max": people, "expires_at": until})
    for code in codes:
        print(f"{code}\thttps://t.me/{bot or '<bot_username>'}?start={code}")
    last = f"{expires.astimezone(app.ctx.clock.tz):%d/%m/%Y}"
    what = (_say(app.settings, "cli_invite_group", people=people) if args.group
            else _say(app.settings, "cli_invite_personal", count=count))
    role = label(ROLES, args.role, app.settings.campaign.language)
    print(_say(app.settings, "cli_invite_made", role=role, unit=f"{unit.code} {unit.name}", what=what,
               until=last), file=sys.stderr)
    if not bot:
        print(_say(app.settings, "cli_name_unknown"), file=sys.stderr)
    if args.out is not None:
        # The cards go to volunteers, whatever the admin's own language.
        cards = [card_for("vi", app.ctx.clock.tz, bot, code, unit, args.role, kind, people, until)
                 for code in codes]
        pages = await asyncio.to_thread(write_xlsx if sheet == ".xlsx" else write_pdf, cards, args.out)
        print(_say(app.settings, "cli_sheet_done", file=args.out, count=len(cards), pages=pages),
              file=sys.stderr)
    return 0


async def _users(app: App, args: argparse.Namespace) -> int:
    from storage import users

    within = await _unit(app, args.unit) if args.unit else None
    listed = await users.listing(app.db, within.path if within else None)
    print(_say(app.settings, "cli_users_header"))
    for u in listed:
        seen = app.ctx.local(u.last_seen) if u.last_seen else "-"
        same = str(u.person) if u.person != u.id else "-"
        print(f"{u.id}\t{u.channel}\t{u.role}\t{u.unit_code}\t{u.status}\t{seen}\t{u.display_name}\t{same}")
    print(_say(app.settings, "cli_users_count", count=len(listed)), file=sys.stderr)
    return 0


async def _set_access(app: App, args: argparse.Namespace) -> int:
    from storage import audit, users

    user = await users.get(app.db, args.user_id)
    if user is None:
        print(_say(app.settings, "cli_no_account", id=args.user_id), file=sys.stderr)
        return EXIT_USAGE
    wanted = UserStatus.DISABLED if args.command == "disable" else UserStatus.ACTIVE
    if args.command == "enable" and user.status != UserStatus.DISABLED:
        print(_say(app.settings, "cli_not_disabled", id=user.id, status=user.status), file=sys.stderr)
        return 0
    now = app.ctx.stamp()
    async with app.db.transaction():
        await users.set_status(app.db, user.id, wanted)
        await audit.log(app.db, now, None, f"user.{args.command}", "user", user.id, {"by": "cli"})
    print(_say(app.settings, "cli_access_set", id=user.id, channel=user.channel, role=user.role,
               status=wanted))
    return 0


async def _export(app: App, args: argparse.Namespace) -> int:
    from handlers.contributions.basis import award_basis
    from storage.export import export_reports, export_workbook
    from storage.export.photo_zip import export_with_photos

    within = await _unit(app, args.unit) if args.unit else None
    tz, campaign, media = app.settings.campaign.timezone, app.settings.campaign.name, app.ctx.photos.media_dir
    if args.with_photos:
        if within is None:
            print(_say(app.settings, "cli_photos_need_unit"), file=sys.stderr)
            return EXIT_USAGE
        # No size limit: the file goes by the server's own means, not through a chat upload.
        book = await export_with_photos(app.db, args.out, tz, within, campaign, app.ctx.now(), media,
                                        awards=award_basis(app.settings, tz))
        print(_say(app.settings, "cli_zip_done", file=args.out, units=book.counts.units,
                   houses=book.counts.houses, reports=book.counts.reports, photos=book.photos,
                   mb=f"{book.size / 1e6:.1f}"))
        return 0
    if within is not None and args.format == "xlsx":
        # The officers' workbook, the same as /xuat sends: summary by unit, houses, reports.
        made = await export_workbook(app.db, args.out, tz, within, campaign, app.ctx.now(),
                                     photo_link=_photo_link(app, Path(args.out)),
                                     awards=award_basis(app.settings, tz))
        print(_say(app.settings, "cli_workbook_done", file=args.out, units=made.units, houses=made.houses,
                   reports=made.reports))
        return 0
    count = await export_reports(app.db, args.out, args.format, tz, within)
    print(_say(app.settings, "cli_export_done", file=args.out, count=count))
    return 0


def _photo_link(app: App, out: Path) -> Callable[[str, str], str]:
    """Signed links lasting [zalo] workbook_link_days when Zalo's public address serves the media
    folder, as /xuat makes; otherwise a path to the file from where the workbook is written, for
    whoever opens it on the server."""
    media = app.ctx.photos.media_dir
    if app.ctx.workbook_links is not None:
        from handlers.officers.export import photo_link

        return photo_link(app.ctx)
    prefix = Path(os.path.relpath(Path(media).resolve(), out.parent.resolve()))
    return lambda house_code, name: (prefix / name).as_posix()


async def _backup(app: App, args: argparse.Namespace) -> int:
    from bot.cli_database import backup_command

    return await backup_command(app.settings, app.db, args.out)


if __name__ == "__main__":
    raise SystemExit(main())
