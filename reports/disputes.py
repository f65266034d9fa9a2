"""Supply disputes by brand this week: out of stock and refused, per manager and for the team.

The counts are the weekly summary's (reports.outcomes), so the console and the chat agree.
The team is the managers in the viewer's scope: a manager compares against their own week.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection

from desk.people import Team
from desk.supply import brand_key
from reports.figures import SupplyCount
from reports.outcomes import brands_between
from reports.scope import Scope
from reports.weeks import IsoWeek


@dataclass(frozen=True)
class ManagerSupply:
    """One manager's requests of one brand, and how they ended."""

    manager_id: str
    name: str
    supply: SupplyCount


@dataclass(frozen=True)
class BrandDisputes:
    """One brand's requests this week: for the team in scope, then manager by manager."""

    brand: str
    # What the ticket list filters on: brands are counted by this form.
    brand_key: str
    team: SupplyCount
    managers: tuple[ManagerSupply, ...]

    @property
    def team_rate(self) -> float | None:
        """Return the team's share of this brand's requests denied (out of stock or refused)."""
        return self.team.denied_share


@dataclass(frozen=True)
class SupplyDisputes:
    """The week's brands, most requested first."""

    week: IsoWeek
    as_of: datetime
    # Every brand together: the team's overall denied share.
    team: SupplyCount
    brands: tuple[BrandDisputes, ...]


async def supply_disputes(
    conn: AsyncConnection, team: Team, scope: Scope, now: datetime, tz: ZoneInfo
) -> SupplyDisputes:
    """Return this week's supply requests by brand and by manager, against the team's rate."""
    week = IsoWeek.containing(now, tz)
    start, end = week.bounds(tz)
    rows = await brands_between(conn, start, end, sorted(scope.manager_ids))
    by_brand: dict[str, list[ManagerSupply]] = {}
    for row in rows:
        if row.manager_id is not None:
            by_brand.setdefault(row.brand, []).append(
                ManagerSupply(row.manager_id, team.name_of(row.manager_id), row.supply)
            )
    brands = tuple(
        BrandDisputes(
            brand=row.brand,
            brand_key=brand_key(row.brand),
            team=row.supply,
            managers=tuple(sorted(by_brand.get(row.brand, []), key=_most_denied)),
        )
        for row in rows
        if row.manager_id is None
    )
    total = sum((b.team for b in brands), SupplyCount())
    return SupplyDisputes(week=week, as_of=now, team=total, brands=brands)


def _most_denied(manager: ManagerSupply) -> tuple[float, str]:
    return (-(manager.supply.denied_share or 0.0), manager.manager_id)
