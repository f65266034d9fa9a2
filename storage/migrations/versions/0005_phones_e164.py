"""Store retailers' phones as E.164 ("+8613800138001") instead of national digits

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 15:00:00

Until now a phone was stored as its digits with China's 86 dropped ("13800138001"). A migration
cannot read the config, so each stored phone is read as a number of CN, the default of
[roster] default_region; a desk with another default_region should run `retaildesk roster
import` after upgrading, which rewrites the phone of every retailer its roster lists. A stored
phone that is no valid number so is kept exactly as it was, never dropped, and `retaildesk
check` names its retailer. The conversion is written out here, not imported from the
application, so this revision converts the same way whatever the application's rules become.
"""

from collections.abc import Callable, Sequence

import phonenumbers
import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REGION = "CN"
retailers = sa.table("retailers", sa.column("id", sa.String), sa.column("phone", sa.String))


def e164(stored: str) -> str | None:
    """Return a stored phone as E.164 read in China, or None when it is no valid number."""
    try:
        number = phonenumbers.parse(stored, REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def national(stored: str) -> str:
    """Return an E.164 phone as the digits the code before this revision stored."""
    if not stored.startswith("+"):
        return stored
    number = phonenumbers.parse(stored)
    if number.country_code != 86:
        return stored[1:]
    # As a Chinese number is written at home: a landline keeps its trunk 0 ("01012345678").
    written = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return "".join(ch for ch in written if ch.isdigit())


def upgrade() -> None:
    """Apply this revision."""
    _rewrite(e164)


def downgrade() -> None:
    """Revert this revision."""
    _rewrite(national)


def _rewrite(convert: Callable[[str], str | None]) -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.select(retailers.c.id, retailers.c.phone)).all()
    changed = [
        {"b_id": rid, "b_phone": new}
        for rid, phone in rows
        if (new := convert(phone)) is not None and new != phone
    ]
    if changed:
        bind.execute(
            retailers.update()
            .where(retailers.c.id == sa.bindparam("b_id"))
            .values(phone=sa.bindparam("b_phone")),
            changed,
        )
