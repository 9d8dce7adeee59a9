"""Standings are read from the summaries: the number of queries does not grow with members or history."""

from django.urls import reverse
from rest_framework.test import APIClient

from dkp.raids.attendance import refresh_attendance_summaries
from dkp.raids.services import Attendee, record_tick
from dkp.testing.personas import make_character, make_user


def _grow_the_guild(guild, members: int, ticks: int) -> None:
    characters = [
        make_character(f"Grow{chr(97 + i // 26)}{chr(97 + i % 26)}", make_user(f"grow{i}"), "Druid")
        for i in range(members)
    ]
    for index in range(ticks):
        record_tick(
            raid=guild.raid,
            occurred_at=guild.ticks[-1].occurred_at,
            attendees=[Attendee(c.name, "Druid", 60) for c in characters],
            actor=None,
            description=f"grow {index}",
        )
    refresh_attendance_summaries()


def _standings_queries(guild, django_assert_max_num_queries, budget: int) -> list[dict]:
    client = APIClient()
    client.force_authenticate(guild.good_member)
    with django_assert_max_num_queries(budget):
        response = client.get(reverse("api:pool-standings", kwargs={"pk": guild.pool.pk}), {"page_size": 200})
    assert response.status_code == 200
    return response.json()["results"]


def test_standings_api_uses_the_same_queries_for_a_small_and_a_grown_guild(guild, django_assert_max_num_queries):
    small = _standings_queries(guild, django_assert_max_num_queries, 10)
    _grow_the_guild(guild, members=30, ticks=5)
    grown = _standings_queries(guild, django_assert_max_num_queries, 10)
    assert len(grown) == len(small) + 30
    gwen = next(row for row in grown if row["username"] == "gwen")
    # Gwen was at 9 of the first 10 ticks and at none of the 5 new ones: 9 of 15 held.
    assert (gwen["balance"], gwen["main_character"], gwen["attendance_30"]) == (90, "Gwendolyn", 60.0)
    grower = next(row for row in grown if row["username"] == "grow0")
    assert (grower["balance"], grower["eq_class"]) == (50, "Druid")
