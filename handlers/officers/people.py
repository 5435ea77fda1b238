"""/nguoi: the people who joined in an officer's area, and taking access away (a lost phone).

An officer acts on volunteers of their subtree and on officers of units strictly below their own;
never on a peer, on themselves, on an admin, or on anyone outside the subtree, who is simply
"not found". Disabling asks for a confirmation, and both disabling and enabling are audited.
"""

from __future__ import annotations

from datetime import timedelta

from handlers.catalog import ROLES, label
from handlers.officers.common import fit
from handlers.turn import Command, Handler, Turn
from handlers.types import Choice, Reply
from storage import audit, people, units, users
from storage.codes import Role, UserStatus
from storage.models import Unit
from storage.numbers import whole
from storage.textfold import clip
from storage.times import to_db

NAMES = ("nguoi", "people")
CONFIRM = "people_confirm"
LISTED = 60
WEEK = timedelta(days=7)


async def start(turn: Turn) -> list[Reply]:
    words = turn.inc.args.split()
    head = words[0].lower() if words else ""
    if head in ("khoa", "disable", "mo", "enable"):
        return await _ask_or_enable(turn, head in ("khoa", "disable"), words[1] if len(words) > 1 else "")
    return await _listing(turn)


async def _listing(turn: Turn) -> list[Reply]:
    own = await turn.own_unit()
    since = to_db(turn.ctx.now() - WEEK)
    total, found = await people.within(turn.ctx.db, own.path, since, LISTED)
    shown = [p for p in found if p.id != turn.user.id]
    if not shown:
        return [Reply(turn.t("ppl_none", unit=own.name))]
    lines = [turn.t("ppl_head", unit=own.name, count=total - 1)]  # all but the officer
    for p in shown:
        seen = turn.ctx.local(p.last_seen) if p.last_seen else turn.t("ppl_never")
        key = "ppl_line_off" if p.status == UserStatus.DISABLED else "ppl_line"
        lines.append(turn.t(key, id=p.id, name=clip(p.display_name, 40) or "—",
                            role=label(ROLES, p.role, turn.lang), unit=p.unit_code, seen=seen,
                            reports=p.reports))
    if total > len(found):
        lines.append(turn.t("ppl_more", shown=LISTED))
    lines.append(turn.t("ppl_hint"))
    return [Reply(fit(lines, turn.t("ppl_more", shown=LISTED)))]


def may_act(own: Unit, me: int, target: people.Person) -> bool:
    """Volunteers of the subtree; officers of units strictly below; never oneself or an admin."""
    if target.id == me or not units.contains(own, target.unit_path):
        return False
    if target.role == Role.VOLUNTEER:
        return True
    return target.role == Role.OFFICER and target.unit_path != own.path


async def _target(turn: Turn, text: str) -> tuple[people.Person | None, Reply | None]:
    number = whole(text.lstrip("#"))
    if number is None:
        return None, Reply(turn.t("ppl_usage"))
    own = await turn.own_unit()
    target = await people.one(turn.ctx.db, number)
    if target is None or not may_act(own, turn.user.id, target):
        # Someone above, a peer, another area: the same answer as an id that does not exist.
        return None, Reply(turn.t("ppl_not_found", id=number, unit=own.name))
    return target, None


async def _ask_or_enable(turn: Turn, disable: bool, text: str) -> list[Reply]:
    target, refusal = await _target(turn, text)
    if target is None:
        assert refusal is not None
        return [refusal]
    name = clip(target.display_name, 40) or "—"
    if disable:
        if target.status == UserStatus.DISABLED:
            return [Reply(turn.t("ppl_already_off", name=name, id=target.id))]
        turn.go(CONFIRM, {"target": target.id})
        return [turn.ask(turn.t("ppl_confirm", name=name, id=target.id, unit=target.unit_code,
                                role=label(ROLES, target.role, turn.lang)),
                         [Choice("pp:yes", turn.t("ppl_btn_yes")), Choice("pp:no", turn.t("ppl_btn_no"))])]
    if target.status != UserStatus.DISABLED:
        return [Reply(turn.t("ppl_not_off", name=name, id=target.id))]
    await _set(turn, target, UserStatus.ACTIVE, "user.enable")
    return [Reply(turn.t("ppl_enabled", name=name, id=target.id))]


async def on_confirm(turn: Turn) -> list[Reply]:
    key = turn.chosen()
    if key is None:
        return [Reply(turn.t("inv_pick_button"))]
    target_id = int(turn.draft.get("target", 0))
    turn.go("idle")
    if key != "pp:yes":
        return [Reply(turn.t("ppl_kept"))]
    target, refusal = await _target(turn, str(target_id))  # the area may have changed meanwhile
    if target is None:
        assert refusal is not None
        return [refusal]
    await _set(turn, target, UserStatus.DISABLED, "user.disable")
    return [Reply(turn.t("ppl_disabled", name=clip(target.display_name, 40) or "—", id=target.id))]


async def _set(turn: Turn, target: people.Person, status: str, action: str) -> None:
    await users.set_status(turn.ctx.db, target.id, status)
    await audit.log(turn.ctx.db, turn.ctx.stamp(), turn.user.id, action, "user", target.id,
                    {"by": "officer", "unit": target.unit_code})


COMMANDS: list[Command] = [
    Command(NAMES, start, officers_only=True,
            menu=("Người tham gia trong khu vực, khóa tài khoản (cán bộ)",
                  "People of your area, disable an account (officers)")),
]
FLOWS: dict[str, Handler] = {CONFIRM: on_confirm}
