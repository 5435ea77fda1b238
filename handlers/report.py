"""The volunteer's report: house, stage, photos, location and note, summary, receipt."""

from __future__ import annotations

from typing import Any

from handlers.examples import with_example
from handlers.limits import CAPTION_WORDS, note_chars, too_long
from handlers.report_file import file_report as _file
from handlers.report_photos import (
    add_photos,
    button,
    gather,
    join_album_report,
    photos_needed,
    photos_prompt,
    rejections,
    set_location,
    stage_name,
)
from handlers.stages import parse_stage, reportable
from handlers.turn import Turn
from handlers.types import LOCATION_KEY, Choice, Reply
from storage import houses, reports, units
from storage.models import House
from storage.textfold import clip

PICK_LIMIT = 8    # houses offered as buttons when a search matches several
RECENT_LIMIT = 4  # houses the volunteer reported on lately, offered before they type



# --- entry points -----------------------------------------------------------------------------

async def start(turn: Turn) -> list[Reply]:
    """/baocao [house code or name]."""
    out: list[Reply] = []
    if turn.state != "idle" and turn.draft.get("house_code"):
        out.append(Reply(turn.t("draft_replaced", code=turn.draft["house_code"])))
    turn.go("house", {})
    if turn.inc.args:
        return out + await _find_house(turn, turn.inc.args)
    return [*out, await _ask_house(turn, await with_example(turn, "ask_house"))]


async def _ask_house(turn: Turn, text: str) -> Reply:
    """The house question, with the houses the person reported on lately to choose from."""
    recent = await reports.recent_houses(turn.ctx.db, turn.user.id, RECENT_LIMIT)
    if not recent:  # "Hủy" is on offer all the same: 0 cancels at every step
        return turn.ask(text, [button(turn, "cancel")])
    choices = [Choice(f"h:{i}", f"{code} – {clip(head, 40)}") for i, code, head in recent]
    return turn.ask(f"{text}\n{turn.t('house_recent')}", [*choices, button(turn, "cancel")])


async def cancel(turn: Turn) -> list[Reply]:
    if turn.state == "idle":
        return [Reply(turn.t("nothing_to_cancel"))]
    if turn.state == "drop":  # /huy twice in a row: no second question
        turn.go("idle")
        return [Reply(turn.t("cancelled"))]
    writing = turn.state in _STEPS
    # Photos and a note are work that a slip of the finger should not throw away: asked once; a
    # second /huy (or "Bỏ") is the answer.
    d = turn.draft
    if turn.state in _STEPS and (d.get("photos") or d.get("note")):
        d["dropping"] = {"state": turn.state, "offered": d.get("offered") or []}
        turn.go("drop")
        return [_drop_question(turn)]
    turn.go("idle")
    # /huy also ends an officer's review; that is not a report being dropped.
    return [Reply(turn.t("cancelled" if writing else "stopped"))]


def _drop_question(turn: Turn) -> Reply:
    d = turn.draft
    count, note = len(d.get("photos") or []), bool(d.get("note"))
    held = turn.t("drop_held_note" if note and count else "drop_held_only_note" if note else "drop_held",
                  count=count)
    code = d.get("house_code")
    text = turn.t("drop_ask", code=code, held=held) if code else turn.t("drop_ask_no_house", held=held)
    return turn.ask(text, [button(turn, "drop"), button(turn, "keep")])


async def _step_drop(turn: Turn) -> list[Reply]:
    """The answer to "drop this report?": drop it, or go back to the step it was at."""
    key = turn.chosen()
    if key == "drop":
        turn.go("idle")
        return [Reply(turn.t("cancelled"))]
    before = turn.draft.pop("dropping", None) or {"state": "idle", "offered": []}
    if key != "keep" and not (turn.photos or turn.inc.location):
        turn.draft["dropping"] = before
        return [_drop_question(turn)]
    turn.go(before["state"])
    turn.draft["offered"] = before["offered"]
    if key == "keep":
        return [Reply(turn.t("resume", code=turn.draft.get("house_code") or "…")), await _reprompt(turn)]
    # Photos or a place sent instead of an answer: the report goes on, and they join it.
    return await on_input(turn)


async def on_idle_photos(turn: Turn) -> list[Reply]:
    """Photos outside a dialog: the caption quick path, or a report that starts with its photos."""
    out = rejections(turn)
    if not turn.photos:
        return out or [Reply(turn.t("photo_no_report"))]
    if turn.state == "idle" and turn.inc.album:
        joined = await join_album_report(turn)
        if joined is not None:
            return out + joined
    caption = turn.inc.text.strip()
    # Photos already gathered while the house was being asked for stay with the report.
    draft: dict[str, Any] = {"photos": list(turn.draft.get("photos", [])) if turn.state == "house" else []}
    add_photos(turn, draft)
    house, stage = await _parse_caption(turn, caption) if caption else (None, None)
    if house is None:
        # The stage the caption named is kept; only the house is asked for.
        if stage is not None:
            draft["stage_wanted"] = int(stage)
        turn.go("house", draft)
        count = len(draft["photos"])
        text = (turn.t("ask_house_with_photos", count=count) if stage is None
                else turn.t("ask_house_with_stage", count=count, stage=stage_name(turn, stage)))
        return [*out, await _ask_house(turn, text)]
    refusal = await _refuse_house(turn, house)
    if refusal:
        return out + refusal
    if stage is None:
        return out + await _choose_house(turn, house, draft)
    if stage < house.stage:
        turn.go("idle")
        return [*out, _backward(turn, house, stage)]
    draft.update(_house_fields(house), stage=stage)
    if len(draft["photos"]) >= photos_needed(turn, stage):
        turn.draft = draft
        return out + await _file(turn)
    # Too few photos so far; if the rest of this album comes in a moment, it completes the report.
    draft["caption_album"] = turn.inc.album
    turn.go("photos", draft)
    return [*out, photos_prompt(turn)]


async def on_input(turn: Turn) -> list[Reply]:
    """Anything sent while a report is being written."""
    if turn.chosen() == "cancel":
        return await cancel(turn)
    if turn.stale_press() or (turn.stray_number() and not await _a_house_code(turn)):
        return [await _reprompt(turn)]
    step = _STEPS.get(turn.state)
    if step is None:  # a state this version does not know: start clean rather than guess
        turn.go("idle")
        return [Reply(turn.t("idle_hint"))]
    return await step(turn)


async def _a_house_code(turn: Turn) -> bool:
    """A number typed at the house question that is no choice but a house's code (codes may be
    digits only): it is searched like any code, not taken for a slip."""
    return turn.state == "house" and await houses.by_code(turn.ctx.db, turn.inc.text.strip()) is not None


# --- steps ------------------------------------------------------------------------------------

async def _step_house(turn: Turn) -> list[Reply]:
    if turn.photos and turn.inc.text.strip():  # a captioned photo names its house itself
        return await on_idle_photos(turn)
    out = gather(turn)
    key = turn.chosen()
    if key and key.startswith("h:"):
        house = await houses.get(turn.ctx.db, int(key[2:]))
        if house is not None:
            refusal = await _refuse_house(turn, house)
            return out + (refusal or await _choose_house(turn, house, turn.draft))
    text = turn.inc.text.strip()
    if text and not turn.photos:
        return out + await _find_house(turn, text)
    if not text and not turn.photos and not out:
        return [await _reprompt(turn)]
    return out


async def _step_stage(turn: Turn) -> list[Reply]:
    out = gather(turn)
    key = turn.chosen()
    stage = int(key[2:]) if key and key.startswith("s:") else parse_stage(turn.inc.text)
    if stage is None:
        return out + ([await _reprompt(turn)] if not turn.photos else [])
    house = await houses.get(turn.ctx.db, turn.draft["house_id"])
    assert house is not None
    if stage < house.stage:
        return [*out, _backward(turn, house, stage), await _reprompt(turn)]
    turn.draft["stage"] = stage
    turn.go("photos")
    return [*out, photos_prompt(turn)]


async def _step_photos(turn: Turn) -> list[Reply]:
    out = rejections(turn)
    if turn.inc.location:
        set_location(turn)
    if turn.photos:
        out.extend(add_photos(turn, turn.draft))
        album = turn.draft.get("caption_album")
        if (album and turn.inc.album == album
                and len(turn.draft["photos"]) >= photos_needed(turn, turn.draft["stage"])):
            return out + await _file(turn)
        turn.go("photos")
        return [*out, photos_prompt(turn, progress=True)]
    if turn.chosen() == "done":
        have, need = len(turn.draft.get("photos", [])), photos_needed(turn, turn.draft["stage"])
        if have < need:
            stage = stage_name(turn, turn.draft["stage"])
            text = turn.t("photos_too_few", stage=stage, need=need, have=have, more=need - have)
            return [*out, turn.ask(text, [button(turn, "done"), button(turn, "cancel")])]
        turn.go("extras")
        return [*out, _extras_prompt(turn)]
    if turn.inc.location or out:
        return [*out, photos_prompt(turn, progress=True)]
    return [turn.ask(turn.t("expect_photo", code=turn.draft["house_code"]),
                     [button(turn, "done"), button(turn, "cancel")])]


async def _step_extras(turn: Turn) -> list[Reply]:
    out = gather(turn)
    if turn.inc.location:
        set_location(turn)
        turn.go("extras")
        return [*out, turn.ask(turn.t("location_received"), [button(turn, "next"), button(turn, "cancel")])]
    if turn.chosen() in ("skip", "next"):
        return out + await _summary(turn)
    if turn.chosen() == LOCATION_KEY:  # typed or pressed where no location button exists
        return [*out, _extras_prompt(turn)]
    note = turn.inc.text.strip()
    if note:
        refusal = too_long(turn, note, note_chars(turn))
        if refusal:
            return [*out, refusal]
        turn.draft["note"] = note
        return out + await _summary(turn)
    turn.go("extras")
    return out or [_extras_prompt(turn)]


async def _step_confirm(turn: Turn) -> list[Reply]:
    if turn.chosen() == "send":
        return await _file(turn)
    return [turn.ask(turn.t("confirm_expected"), [button(turn, "send"), button(turn, "cancel")])]


_STEPS = {
    "house": _step_house,
    "stage": _step_stage,
    "photos": _step_photos,
    "extras": _step_extras,
    "confirm": _step_confirm,
    "drop": _step_drop,
}


# --- pieces -----------------------------------------------------------------------------------

async def _find_house(turn: Turn, query: str) -> list[Reply]:
    refusal = turn.query_too_long(query)
    if refusal:
        return [refusal]
    unit = await turn.own_unit()
    count, found = await houses.search(turn.ctx.db, unit, query, PICK_LIMIT)
    shown = clip(query.strip(), 40)
    if count == 0:
        elsewhere = await houses.by_code(turn.ctx.db, query)
        if elsewhere is not None:
            return [Reply(turn.t("house_outside", code=elsewhere.code, unit=unit.name))]
        return [Reply(turn.t("house_not_found", query=shown, unit=unit.name))]
    if count == 1:
        return await _choose_house(turn, found[0], turn.draft)
    if count > PICK_LIMIT:
        return [Reply(turn.t("house_too_many", count=count, query=shown))]
    choices = [Choice(f"h:{h.id}", f"{h.code} – {clip(h.household_head, 40)}") for h in found]
    reply = turn.ask(turn.t("house_pick", count=count, query=shown), [*choices, button(turn, "cancel")])
    turn.go("house")
    return [reply]


async def _refuse_house(turn: Turn, house: House) -> list[Reply] | None:
    """A house outside the person's unit is refused without telling whose it is."""
    unit = await turn.own_unit()
    if units.contains(unit, await houses.unit_path(turn.ctx.db, house)):
        return None
    return [Reply(turn.t("house_outside", code=house.code, unit=unit.name))]


async def _choose_house(turn: Turn, house: House, draft: dict[str, Any]) -> list[Reply]:
    draft = {**draft, **_house_fields(house)}
    turn.draft = draft
    wanted = draft.pop("stage_wanted", None)
    if wanted is not None and wanted in reportable(house.stage):
        # The caption named the stage already: with the house now known, the report goes on.
        draft["stage"] = wanted
        if len(draft.get("photos", [])) >= photos_needed(turn, wanted):
            return await _file(turn)
        turn.go("photos")
        return [photos_prompt(turn)]
    out: list[Reply] = []
    waiting = await reports.waiting_on(turn.ctx.db, house.id)
    if waiting is not None:
        out.append(Reply(turn.t("house_has_waiting", code=house.code, number=waiting.id,
                                stage=stage_name(turn, waiting.stage),
                                time=turn.ctx.local(waiting.received_at))))
    choices = [Choice(f"s:{s}", stage_name(turn, s)) for s in reportable(house.stage)]
    reply = turn.ask(
        turn.t("ask_stage", code=house.code, head=house.household_head,
               current=stage_name(turn, house.stage)),
        [*choices, button(turn, "cancel")],
    )
    turn.go("stage")
    return [*out, reply]


def _house_fields(house: House) -> dict[str, Any]:
    return {"house_id": house.id, "house_code": house.code, "head": house.household_head}


def _backward(turn: Turn, house: House, stage: int) -> Reply:
    return Reply(turn.t("stage_backward", code=house.code, current=stage_name(turn, house.stage),
                        stage=stage_name(turn, stage)))


async def _parse_caption(turn: Turn, caption: str) -> tuple[House | None, int | None]:
    """The house code and the stage anywhere in a caption, in any order and case: "MTU01-005 hoàn
    thành", "hoan thanh MTU01-005", "mtu01-005 xong". Either may be missing."""
    words = caption.split()
    for word in words[:CAPTION_WORDS]:
        token = word.strip(",.;:!?()")
        if not any(ch.isdigit() for ch in token):  # every house code has digits; words have none
            continue
        house = await houses.by_code(turn.ctx.db, token)
        if house is not None:
            rest = " ".join(w for w in words if w is not word)
            return house, parse_stage(rest)
    return None, parse_stage(caption)


def _extras_prompt(turn: Turn) -> Reply:
    choices = [Choice(LOCATION_KEY, turn.t("btn_location")), button(turn, "skip"), button(turn, "cancel")]
    return turn.ask(turn.t("ask_extras"), choices)


async def _summary(turn: Turn) -> list[Reply]:
    d = turn.draft
    none = turn.t("summary_none")
    location = f"{d['lat']:.5f}, {d['lon']:.5f}" if d.get("lat") is not None else none
    text = turn.t("summary", code=d["house_code"], head=d["head"], stage=stage_name(turn, d["stage"]),
                  photos=len(d.get("photos", [])), location=location, note=d.get("note") or none)
    reply = turn.ask(text, [button(turn, "send"), button(turn, "cancel")])
    turn.go("confirm")
    return [reply]


async def _reprompt(turn: Turn) -> Reply:
    """Ask the current question again, with its choices."""
    if turn.state == "drop":
        return _drop_question(turn)
    offered = [Choice(k, v) for k, v in turn.draft.get("offered") or []]
    if turn.state == "house":  # no house is chosen yet: the example is one of the unit's
        return Reply(await with_example(turn, "ask_house"), tuple(offered))
    prompts = {
        "stage": turn.t("stage_unknown"),
        "photos": turn.t("expect_photo", code=turn.draft.get("house_code", "")),
        "extras": turn.t("ask_extras"),
        "confirm": turn.t("confirm_expected"),
    }
    return Reply(prompts.get(turn.state, turn.t("idle_hint")), tuple(offered))

