"""chungtay run | demo | import | invite | users | disable | enable | export | backup."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.app import App
from bot.config import ConfigError, load_settings
from handlers.settings import Settings
from storage.codes import Role, UserStatus
from storage.models import Unit

EXIT_USAGE = 2


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="chungtay", description="Chatbot báo cáo nhà — Chung tay xóa nhà tạm")
    p.add_argument("--config", default="config.toml", help="config file (default: config.toml)")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="run the Telegram bot")
    demo = sub.add_parser("demo", help="try the bot in this terminal, offline")
    demo.add_argument("--database", type=Path, help="keep the demo data in this SQLite file")
    imp = sub.add_parser("import", help="load units or houses from CSV or XLSX")
    imp.add_argument("kind", choices=["units", "houses"])
    imp.add_argument("file", type=Path)
    inv = sub.add_parser("invite", help="make invite codes: personal ones (used once) or a group code")
    inv.add_argument("--unit", required=True, help="unit code")
    inv.add_argument("--role", required=True, choices=[r.value for r in Role])
    inv.add_argument("--count", type=int, default=1, help="how many personal codes (at most 500)")
    inv.add_argument("--group", action="store_true",
                     help="one code many volunteers join with (a meeting, a commune's Zalo group)")
    inv.add_argument("--until", help="a group code's last day, DD/MM/YYYY (default: in 7 days)")
    inv.add_argument("--max", type=int, default=50, help="how many people a group code admits (default 50)")
    inv.add_argument("--out", type=Path, help="also write a printable sheet of QR codes: FILE.pdf")
    who = sub.add_parser("users", help="list the people who joined, with their role, unit and status")
    who.add_argument("--unit", help="only this unit and what lies below it")
    for name, what in (("disable", "take away a person's access (a lost phone, someone who left)"),
                       ("enable", "give a disabled account its access back")):
        cmd = sub.add_parser(name, help=what)
        cmd.add_argument("user_id", type=int, help="the id `chungtay users` shows")
    exp = sub.add_parser("export", help="write every report to CSV or XLSX; with --unit and XLSX, the "
                                           "officers' workbook (summary by unit, houses, reports)")
    exp.add_argument("--format", choices=["csv", "xlsx"], default="xlsx")
    exp.add_argument("--out", type=Path, required=True)
    exp.add_argument("--unit", help="only this unit and what lies below it")
    bak = sub.add_parser("backup", help="copy the database while the bot runs")
    bak.add_argument("--out", type=Path, required=True)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = _settings(args)
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


async def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "demo":
        from bot.demo import run_demo

        await run_demo(settings, args.database, input, print)
        return 0
    if args.command == "run":
        from bot.run import run_bot

        return await run_bot(settings)
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
        result = await run(app.db, args.file, actor="cli", at=app.ctx.stamp(), limits=limits)
    except ImportRejected as exc:
        refused = f"{args.file}: rejected, nothing was written:"
        wheres = [f"line {error.line}" if error.line else "file" for error in exc.errors]
        if len(exc.errors) == 1:
            # A file refused as a whole (too long, unsafe, unreadable) is told in one line.
            print(f"{refused} {wheres[0]}: {exc.errors[0].reason}", file=sys.stderr)
            return EXIT_USAGE
        print(refused, file=sys.stderr)
        for where, error in zip(wheres, exc.errors, strict=True):
            print(f"  {where}: {error.reason}", file=sys.stderr)
        return EXIT_USAGE
    print(f"{args.file}: {result.created} created, {result.updated} updated")
    return 0


class _UnknownUnit(Exception):
    """Told to the admin already; the command exits with EXIT_USAGE."""


async def _unit(app: App, code: str) -> Unit:
    from storage import units

    unit = await units.by_code(app.db, code)
    if unit is None:
        print(f"unknown unit code {code!r}; import the units first", file=sys.stderr)
        raise _UnknownUnit(code)
    return unit


async def _invite(app: App, args: argparse.Namespace) -> int:
    from datetime import datetime, timedelta

    from handlers.invite import GROUP_DAYS, MAX_PEOPLE, card_for
    from handlers.invite_picture import write_pdf
    from storage import audit, bot_info, invites
    from storage.times import to_db

    # Every refusal comes before anything is stored.
    if args.group and args.role != Role.VOLUNTEER:
        print("a group code is for volunteers only; officers get personal codes", file=sys.stderr)
        return EXIT_USAGE
    people = args.max if args.group else 1
    if not 1 <= args.count <= MAX_PEOPLE or not 1 <= people <= MAX_PEOPLE:
        print(f"--count and --max go from 1 to {MAX_PEOPLE}", file=sys.stderr)
        return EXIT_USAGE
    if args.out is not None and args.out.suffix.lower() != ".pdf":
        print("--out writes a PDF sheet: name it FILE.pdf", file=sys.stderr)
        return EXIT_USAGE
    now = app.ctx.now()
    if not args.group:
        expires = now + timedelta(days=app.settings.join.invite_days)
    elif args.until:
        try:
            day = datetime.strptime(args.until, "%d/%m/%Y").date()
        except ValueError:
            print(f"--until {args.until!r}: write the day as DD/MM/YYYY", file=sys.stderr)
            return EXIT_USAGE
        if day < now.date():
            print(f"--until {args.until}: that day has passed", file=sys.stderr)
            return EXIT_USAGE
        expires = datetime.combine(day, datetime.max.time(), tzinfo=app.ctx.clock.tz)
    else:
        expires = now + timedelta(days=GROUP_DAYS)
    unit = await _unit(app, args.unit)
    bot = app.settings.telegram.bot_username or await bot_info.get(app.db, bot_info.TELEGRAM_USERNAME) or ""
    if args.out is not None and not bot:
        print("the bot's Telegram name is not known yet, so a QR code cannot hold its link: start the "
              "bot once, or set [telegram] bot_username", file=sys.stderr)
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
    what = f"one code for up to {people} people" if args.group else f"{count} code(s), each works once"
    print(f"{args.role} of {unit.code} {unit.name}: {what}, until {last}.", file=sys.stderr)
    if not bot:
        print("the bot's Telegram name is not known yet: start the bot once, or set "
              "[telegram] bot_username", file=sys.stderr)
    if args.out is not None:
        cards = [card_for("vi", app.ctx.clock.tz, bot, code, unit, args.role, kind, people, until)
                 for code in codes]
        pages = await asyncio.to_thread(write_pdf, cards, args.out)
        print(f"{args.out}: {len(cards)} code(s) on {pages} page(s)", file=sys.stderr)
    return 0


async def _users(app: App, args: argparse.Namespace) -> int:
    from storage import users

    within = await _unit(app, args.unit) if args.unit else None
    listed = await users.listing(app.db, within.path if within else None)
    print("id\tchannel\trole\tunit\tstatus\tlast seen\tname\tsame person as")
    for u in listed:
        seen = app.ctx.local(u.last_seen) if u.last_seen else "-"
        same = str(u.person) if u.person != u.id else "-"
        print(f"{u.id}\t{u.channel}\t{u.role}\t{u.unit_code}\t{u.status}\t{seen}\t{u.display_name}\t{same}")
    print(f"{len(listed)} accounts", file=sys.stderr)
    return 0


async def _set_access(app: App, args: argparse.Namespace) -> int:
    from storage import audit, users

    user = await users.get(app.db, args.user_id)
    if user is None:
        print(f"no account with id {args.user_id}; see `chungtay users`", file=sys.stderr)
        return EXIT_USAGE
    wanted = UserStatus.DISABLED if args.command == "disable" else UserStatus.ACTIVE
    if args.command == "enable" and user.status != UserStatus.DISABLED:
        print(f"account {user.id} is {user.status}, not disabled: nothing to do", file=sys.stderr)
        return 0
    now = app.ctx.stamp()
    async with app.db.transaction():
        await users.set_status(app.db, user.id, wanted)
        await audit.log(app.db, now, None, f"user.{args.command}", "user", user.id, {"by": "cli"})
    print(f"account {user.id} ({user.channel}, {user.role}): {wanted}")
    return 0


async def _export(app: App, args: argparse.Namespace) -> int:
    from storage.export import export_reports, export_workbook

    within = await _unit(app, args.unit) if args.unit else None
    if within is not None and args.format == "xlsx":
        # The officers' workbook, the same as /xuat sends: summary by unit, houses, reports.
        made = await export_workbook(app.db, args.out, app.settings.campaign.timezone, within,
                                     app.settings.campaign.name, app.ctx.now(),
                                     photo_root=app.ctx.photos.media_dir)
        print(f"{args.out}: {made.units} units, {made.houses} houses, {made.reports} reports")
        return 0
    count = await export_reports(app.db, args.out, args.format, app.settings.campaign.timezone, within)
    print(f"{args.out}: {count} reports")
    return 0


async def _backup(app: App, args: argparse.Namespace) -> int:
    from storage.db import backup

    try:
        await backup(app.db, args.out)
    except FileExistsError:
        print(f"{args.out} exists already; choose a new file name", file=sys.stderr)
        return EXIT_USAGE
    print(f"{args.out}: database copied (photos stay in {app.settings.storage.media_dir})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
