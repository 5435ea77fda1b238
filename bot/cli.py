"""chungtay run | demo | import | invite | users | disable | enable | export | backup."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Callable, Sequence
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
    inv = sub.add_parser("invite", help="make a one-time invite code")
    inv.add_argument("--unit", required=True, help="unit code")
    inv.add_argument("--role", required=True, choices=[r.value for r in Role])
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
    exp.add_argument("--with-photos", action="store_true",
                     help="with --unit: a ZIP of the workbook and the unit's photos in photos/<house code>/")
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

    run = import_units if args.kind == "units" else import_houses
    try:
        result = await run(app.db, args.file, actor="cli", at=app.ctx.stamp())
    except ImportRejected as exc:
        print(f"{args.file}: rejected, nothing was written:", file=sys.stderr)
        for error in exc.errors:
            where = f"line {error.line}" if error.line else "file"
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
    from storage import invites

    unit = await _unit(app, args.unit)
    async with app.db.transaction():
        code = await invites.create(app.db, unit.id, args.role, app.ctx.stamp(),
                                    app.settings.join.invite_days)
    bot = app.settings.telegram.bot_username or "<bot_username>"
    print(f"{code}\nhttps://t.me/{bot}?start={code}")
    print(f"{args.role} of {unit.code} {unit.name}; the code works once, within "
          f"{app.settings.join.invite_days} days.", file=sys.stderr)
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
    from storage.export.photo_zip import export_with_photos

    within = await _unit(app, args.unit) if args.unit else None
    tz, campaign, media = app.settings.campaign.timezone, app.settings.campaign.name, app.ctx.photos.media_dir
    if args.with_photos:
        if within is None:
            print("--with-photos needs --unit: the photos of which area?", file=sys.stderr)
            return EXIT_USAGE
        # No size limit: the file goes by the server's own means, not through a chat upload.
        book = await export_with_photos(app.db, args.out, tz, within, campaign, app.ctx.now(), media)
        print(f"{args.out}: {book.counts.units} units, {book.counts.houses} houses, "
              f"{book.counts.reports} reports, {book.photos} photos, {book.size / 1e6:.1f} MB")
        return 0
    if within is not None and args.format == "xlsx":
        # The officers' workbook, the same as /xuat sends: summary by unit, houses, reports.
        made = await export_workbook(app.db, args.out, tz, within, campaign, app.ctx.now(),
                                     photo_link=_photo_link(app, Path(args.out)))
        print(f"{args.out}: {made.units} units, {made.houses} houses, {made.reports} reports")
        return 0
    count = await export_reports(app.db, args.out, args.format, tz, within)
    print(f"{args.out}: {count} reports")
    return 0


def _photo_link(app: App, out: Path) -> Callable[[str, str], str]:
    """Signed links when Zalo's public address serves the media folder; otherwise a path to the
    file from where the workbook is written, for whoever opens it on the server."""
    media = app.ctx.photos.media_dir
    zalo = app.settings.zalo
    if zalo.public_base_url and zalo.token:
        from bot.channels.zalo.picture_links import MediaLinks, derive_key

        links = MediaLinks(derive_key(zalo.token), media, zalo.public_base_url, zalo.link_ttl_minutes * 60)

        def signed(house_code: str, name: str) -> str:
            try:
                return links.url_for(media / name)
            except ValueError:  # the file is gone: its name still says which photo it was
                return name
        return signed
    prefix = Path(os.path.relpath(Path(media).resolve(), out.parent.resolve()))
    return lambda house_code, name: (prefix / name).as_posix()


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
