"""Who sees what on the console."""

from __future__ import annotations

from desk.people import Manager, Supervisor, Team
from reports.scope import scope_of


def _team() -> Team:
    return Team(
        [
            Manager("m1", "Wang", (), supervisor="s1"),
            Manager("m2", "Li", (), supervisor="s1"),
            Manager("m3", "Zhao", (), supervisor="s2"),
        ],
        [Supervisor("s1", "Chen", ()), Supervisor("s2", "Liu", ())],
    )


def test_a_supervisor_sees_their_own_managers_and_complaints() -> None:
    scope = scope_of(_team(), "s1")
    assert scope is not None
    assert scope.manager_ids == {"m1", "m2"}
    assert scope.is_supervisor


def test_a_manager_sees_only_themselves_and_no_complaints() -> None:
    scope = scope_of(_team(), "m2")
    assert scope is not None
    assert scope.manager_ids == {"m2"}
    assert not scope.complaints


def test_nobody_else_gets_a_scope() -> None:
    assert scope_of(_team(), "stranger") is None
