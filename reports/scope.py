"""Whose tickets and figures a console viewer may see."""

from __future__ import annotations

from dataclasses import dataclass

from desk.people import Manager, Supervisor, Team


@dataclass(frozen=True)
class Scope:
    """The managers a viewer sees, and whether confidential complaints are theirs to read."""

    viewer_id: str
    # The managers whose tickets, figures and retailers the viewer sees.
    manager_ids: frozenset[str]
    # Only a supervisor reads complaints, and only those addressed to them.
    complaints: bool

    @property
    def is_supervisor(self) -> bool:
        """Say whether the viewer leads a team (and so reads its complaints)."""
        return self.complaints


def scope_of(team: Team, staff_id: str) -> Scope | None:
    """Return what a staff member may see on the console; None for anyone else."""
    person = team.staff(staff_id)
    if isinstance(person, Supervisor):
        managers = frozenset(m.id for m in team.team_of(person.id))
        return Scope(person.id, managers, complaints=True)
    if isinstance(person, Manager):
        return Scope(person.id, frozenset({person.id}), complaints=False)
    return None
