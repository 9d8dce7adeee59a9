"""The standings rows written in Python (dkp/web/standings_rows.py) and the API's standings written
by orjson show what the template and the serializer showed: the same names, escaped, the same
numbers, the same percentages rounded the same way, the same JSON."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIClient

from dkp.accounts.models import User
from dkp.core.roles import RoleGroup
from dkp.points.services import adjust_points
from dkp.raids.models import MemberAttendanceSummary
from dkp.standings.api import StandingSerializer
from dkp.standings.selectors import standing_rows, standings_table
from dkp.web.standings_rows import standings_rows_html, whole_percent

pytestmark = pytest.mark.django_db


def _set_percent(user: User, pool, value: str) -> None:
    percent = Decimal(value)
    MemberAttendanceSummary.objects.update_or_create(
        user=user,
        pool=pool,
        defaults={
            "percent_30": percent,
            "percent_60": percent,
            "percent_90": percent,
            "percent_lifetime": percent,
            "computed_at": timezone.now(),
        },
    )


@pytest.mark.parametrize(
    ("percent", "shown"),
    [(0.0, 0), (0.49, 0), (0.5, 1), (12.5, 13), (12.49, 12), (66.67, 67), (99.5, 100), (100.0, 100)],
)
def test_a_percentage_is_shown_whole_with_halves_rounded_up_as_floatformat_did(percent, shown):
    assert whole_percent(percent) == shown


def test_a_row_escapes_names_links_its_member_and_main_and_formats_every_number(guild):
    gwen = guild.good_member
    gwen.display_name = "Gwen <b>\"&'</b>"
    gwen.save(update_fields=["display_name"])
    adjust_points(user=gwen, pool=guild.pool, amount=1234, reason="big bonus", actor=guild.officer)
    _set_percent(gwen, guild.pool, "12.50")

    rows = {row.username: row for row in standing_rows(pool=guild.pool)}
    html = str(standings_rows_html([rows["gwen"]]))

    assert html.startswith('<tr><td class="muted">1</td>')
    assert (
        '<a class="member" href="/members/gwen/">Gwen &lt;b&gt;&quot;&amp;&#x27;&lt;/b&gt;</a></th>' in html
    )  # the display name escaped, and no badge: a plain member
    assert '<a class="character" href="/characters/Gwendolyn/">Gwendolyn</a> <span class="muted">Warrior</span>' in html
    assert f'<td class="num strong">{rows["gwen"].balance:,}</td>' in html
    assert "," in f"{rows['gwen'].balance:,}"  # over a thousand, grouped as intcomma grouped it
    assert f'<td class="num">+{rows["gwen"].adjusted:,}</td>' in html
    assert html.count(">13%</td>") == 4  # 12.50 % in all four windows, rounded up


def test_officers_carry_their_role_badge_and_an_empty_table_says_so(guild):
    rows = {row.username: row for row in standing_rows(pool=guild.pool)}
    html = str(standings_rows_html([rows["olwen"]]))
    assert '<span class="badge role-officer">Officer</span>' in html
    assert (
        str(standings_rows_html([])) == '<tr><td colspan="12" class="empty">Nobody matches these filters.</td></tr>\n'
    )


def test_the_page_lists_every_member_of_the_pool_in_standings_order(client, guild):
    client.force_login(guild.good_member)
    body = client.get(reverse("web:home"), {"pool": guild.pool.pk}).content.decode()
    shown = [line.split('href="/members/')[1].split("/")[0] for line in body.split("<tr>") if 'class="member"' in line]
    assert shown == [row.user.username for row in standings_table(pool=guild.pool)]


@pytest.mark.parametrize(
    "query",
    [
        {"page_size": "200"},
        {"ordering": "name"},
        {"ordering": "att30", "page_size": "2", "page": "2"},
        {"class": "Warrior"},
        {"role": RoleGroup.MEMBER},
    ],
)
def test_the_api_standings_are_what_the_serializer_wrote(guild, query):
    """The JSON of every row equals StandingSerializer's (the documented schema), with the same pages."""
    gwen = guild.good_member
    _set_percent(gwen, guild.pool, "33.33")
    api = APIClient()
    api.force_authenticate(gwen)
    cache.clear()
    answer = api.get(f"/api/v1/pools/{guild.pool.pk}/standings/", query)
    assert answer.status_code == 200
    body = json.loads(answer.content)

    order = query.get("ordering", "balance")
    rows = standings_table(
        pool=guild.pool, eq_class=query.get("class", ""), role_group=query.get("role", ""), order=order
    )
    size, page = int(query.get("page_size", 50)), int(query.get("page", 1))
    serialized = StandingSerializer(rows[(page - 1) * size : page * size], many=True).data
    expected = json.loads(JSONRenderer().render(serialized))  # as DRF's own renderer wrote it
    assert body["count"] == rows.count()
    assert body["results"] == expected
    assert body["results"], "an empty page proves nothing"
    if not query.get("class") and not query.get("role") and page == 1:
        assert {"username": "gwen", "attendance_30": 33.33}.items() <= next(
            row for row in body["results"] if row["username"] == "gwen"
        ).items()
