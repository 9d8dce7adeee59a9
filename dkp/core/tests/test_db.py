"""A transaction that lost a deadlock runs again; anything else, or a nested one, goes up."""

from collections.abc import Callable

import pytest
from django.db import OperationalError, transaction

from dkp.core.db import retry_if_deadlocked


class _Cause(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def _failing(times: int, sqlstate: str) -> tuple[list[int], Callable[[], str]]:
    calls: list[int] = []

    def work() -> str:
        calls.append(1)
        if len(calls) <= times:
            raise OperationalError("deadlock detected") from _Cause(sqlstate)
        return "done"

    return calls, work


def test_a_deadlock_victim_runs_again_until_it_goes_through() -> None:
    calls, work = _failing(2, "40P01")
    assert retry_if_deadlocked(work) == "done"
    assert len(calls) == 3


def test_other_database_errors_are_not_repeated() -> None:
    calls, work = _failing(1, "57014")  # query cancelled
    with pytest.raises(OperationalError):
        retry_if_deadlocked(work)
    assert len(calls) == 1


def test_it_gives_up_after_its_attempts() -> None:
    calls, work = _failing(10, "40001")
    with pytest.raises(OperationalError):
        retry_if_deadlocked(work, attempts=3)
    assert len(calls) == 3


@pytest.mark.django_db
def test_inside_someone_elses_transaction_the_error_goes_up_at_once() -> None:
    calls, work = _failing(1, "40P01")
    with pytest.raises(OperationalError), transaction.atomic():
        retry_if_deadlocked(work)
    assert len(calls) == 1
