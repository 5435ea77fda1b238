"""Rows as typed values, so nothing outside storage/ handles a cursor row."""

from __future__ import annotations

from dataclasses import dataclass

from storage.codes import OFFICER_ROLES


@dataclass(frozen=True)
class Unit:
    id: int
    code: str
    name: str
    parent_id: int | None
    quota: int | None
    path: str
    depth: int


@dataclass(frozen=True)
class House:
    id: int
    code: str
    unit_id: int
    household_head: str
    category: str
    support_type: str
    address: str | None
    lat: float | None
    lon: float | None
    stage: int
    stage_at: str | None
    last_report_at: str | None
    # The location of the first approved report, for a house with no coordinates of its own.
    ref_lat: float | None = None
    ref_lon: float | None = None
    ref_report_id: int | None = None


class HasRole:
    """A row with a role (an account, a reminder's recipient)."""

    role: str

    @property
    def is_officer(self) -> bool:
        return self.role in OFFICER_ROLES


@dataclass(frozen=True)
class User(HasRole):
    id: int
    channel: str
    external_id: str
    display_name: str
    role: str
    unit_id: int
    status: str
    lang: str


@dataclass(frozen=True)
class Invite:
    code: str
    unit_id: int
    role: str
    used_by: int | None
    expires_at: str


@dataclass(frozen=True)
class Report:
    id: int
    house_id: int
    reporter_id: int
    stage: int
    note: str | None
    lat: float | None
    lon: float | None
    received_at: str
    claimed_at: str | None
    review_state: str
    flag: str | None
