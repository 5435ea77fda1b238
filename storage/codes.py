"""The code tables: what the database stores for a stage, a category, a role, a review state.

The words people read for each code are in the catalog (handlers/catalog); the official
Vietnamese names below are also what lists exchanged as files use (an import's "Đối tượng"
column, the workbook's), so reading and writing files needs nothing above storage/.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum


class Stage(IntEnum):
    """A house's lifecycle, one way only (an officer may correct it)."""

    NOT_STARTED = 0
    STARTED = 1
    COMPLETED = 2
    HANDED_OVER = 3


# The stages a report can name, in order.
REPORTED_STAGES = (Stage.STARTED, Stage.COMPLETED, Stage.HANDED_OVER)


class Category(StrEnum):
    POOR = "poor"
    NEAR_POOR = "near_poor"
    DISASTER = "disaster"
    MERIT = "merit"


class SupportType(StrEnum):
    NEW = "new"
    REPAIR = "repair"


class Role(StrEnum):
    VOLUNTEER = "volunteer"
    OFFICER = "officer"
    ADMIN = "admin"


OFFICER_ROLES = (Role.OFFICER, Role.ADMIN)


class UserStatus(StrEnum):
    ACTIVE = "active"
    BLOCKED = "blocked"      # the person blocked the bot; a message from them undoes it
    DISABLED = "disabled"    # access taken away by an admin


class ReviewState(StrEnum):
    ACCEPTED = "accepted"    # no review was needed
    PENDING = "pending"
    APPROVED = "approved"
    RETURNED = "returned"


# Official names, Vietnamese then English, as the campaign's documents and the files exchanged (an
# import's "Đối tượng" column, the workbook) write them; the catalog shows people the same words.
STAGE_NAMES: dict[int, tuple[str, str]] = {
    Stage.NOT_STARTED: ("Chưa khởi công", "Not started"),
    Stage.STARTED: ("Khởi công / đang thi công", "Started / under construction"),
    Stage.COMPLETED: ("Hoàn thành", "Completed"),
    Stage.HANDED_OVER: ("Bàn giao", "Handed over"),
}
CATEGORY_NAMES: dict[str, tuple[str, str]] = {
    Category.POOR: ("Hộ nghèo", "Poor household"),
    Category.NEAR_POOR: ("Hộ cận nghèo", "Near-poor household"),
    Category.DISASTER: ("Bị ảnh hưởng bởi thiên tai, biến đổi khí hậu", "Hit by disaster or climate change"),
    Category.MERIT: ("Gia đình người có công", "Family of a person with merit"),
}
SUPPORT_NAMES: dict[str, tuple[str, str]] = {
    SupportType.NEW: ("Xây mới", "New build"),
    SupportType.REPAIR: ("Sửa chữa", "Repair"),
}
