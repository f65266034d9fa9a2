"""Which rung of the ladder is due, and whom it reaches: pure functions of ticket and time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from desk.people import Team
from desk.policy import Notify
from desk.sla import next_due, with_due
from desk.tickets import Ticket


@dataclass(frozen=True)
class Climb:
    """What the ladder does now: fire a step (or repeat the last), and whether an ETA broke."""

    step: int | None
    notify: Notify | None
    repeat: bool
    eta_broken: bool


def next_climb(ticket: Ticket, now: datetime) -> Climb | None:
    """Return the climb due at this moment, or None when nothing is due yet."""
    due = next_due(ticket)
    if due is None or due > now:
        return None
    eta_broken = ticket.eta_until is not None and ticket.eta_until <= now
    steps = ticket.policy.steps
    upcoming = ticket.last_step + 1
    if upcoming < len(steps):
        return Climb(upcoming, steps[upcoming].notify, False, eta_broken)
    repeating = ticket.policy.repeat_last_every is not None and ticket.last_fired_at is not None
    if repeating and steps:
        return Climb(len(steps) - 1, steps[-1].notify, True, eta_broken)
    return Climb(None, None, False, eta_broken)


def after_climb(ticket: Ticket, climb: Climb, now: datetime, *, reached: bool) -> Ticket:
    """Return the ticket once the climb is done; an unreached target hurries the next step."""
    changed = ticket.evolve(
        last_step=climb.step if climb.step is not None else ticket.last_step,
        last_fired_at=now if climb.step is not None else ticket.last_fired_at,
        eta_until=None if climb.eta_broken else ticket.eta_until,
        hurry_at=None if reached else now,
    )
    return with_due(changed)


def target_for(
    notify: Notify, ticket: Ticket, team: Team, *, covering: str | None, local_now: datetime
) -> str | None:
    """Return the staff id a step reaches, or None when nobody fills that role."""
    assigned = team.managers.get(ticket.manager_id)
    home = team.managers.get(ticket.home_manager_id) or assigned
    if notify is Notify.MANAGER:
        return ticket.manager_id
    if notify is Notify.BACKUP:
        backup = covering or (assigned.backup if assigned else None)
        return backup if backup != ticket.manager_id else None
    if notify is Notify.ON_DUTY:
        return team.rota.on_duty(local_now)
    return home.supervisor if home else None
