"""The standings explain their balance, and the standings and a member's ledger download as CSV.

Every CSV is read back with the csv module and held against the page a person would see with the
same address: the same rows, in the same order, with the same balances.
"""

from __future__ import annotations

import csv
import io
import re
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dkp.core.models import GuildSettings
from dkp.loot.services import award_loot, item_named
from dkp.points.models import DkpPool, UserPointsSummary
from dkp.points.services import adjust_points, apply_decay
from dkp.testing.personas import Guild, make_character, make_user

pytestmark = pytest.mark.django_db


class _Cells(HTMLParser):
    """The text of each cell of each body row of the first table, as a person reads it."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._in_body = False
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tbody" and not self.rows:
            self._in_body = True
        elif self._in_body and tag == "tr":
            self.rows.append([])
        elif self._in_body and tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "tbody":
            self._in_body = False
        elif self._cell is not None and tag in ("td", "th"):
            self.rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def table_rows(html: str, after: str = "") -> list[list[str]]:
    parser = _Cells()
    parser.feed(html[html.index(after) :] if after else html)
    return parser.rows


def csv_rows(response) -> list[dict[str, str]]:
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


def number(text: str) -> int:
    return int(text.replace(",", "").replace("+", ""))


@pytest.fixture
def corrected(guild: Guild) -> Guild:
    """Gwen has earned, spent, been adjusted and decayed, so her balance is not earned minus spent."""
    adjust_points(user=guild.good_member, pool=guild.pool, amount=12, reason="raid leading", actor=guild.officer)
    adjust_points(user=guild.poor_member, pool=guild.pool, amount=-3, reason="late", actor=guild.officer)
    award_loot(
        item=item_named("Crown of Rile"),
        pool=guild.pool,
        winner=guild.good_member,
        character_name="Gwendolyn",
        price=20,
        actor=guild.officer,
    )
    apply_decay(pool=guild.pool, actor=guild.officer, percent=10)
    return guild


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_standings_show_adjusted_and_decayed_so_the_balance_adds_up(corrected: Guild) -> None:
    html = signed_in(corrected.poor_member).get(reverse("web:home")).content.decode()
    assert "Balance = Earned \N{MINUS SIGN} Spent + Adjusted \N{MINUS SIGN} Decayed" in html
    header = re.findall(r">(Balance|Earned|Spent|Adjusted|Decayed)</a>", html)
    assert header == ["Balance", "Earned", "Spent", "Adjusted", "Decayed"]
    rows = {row[1]: row for row in table_rows(html)}
    gwen = rows["Gwen"]
    balance, earned, spent, adjusted, decayed = (number(cell) for cell in gwen[3:8])
    summary = UserPointsSummary.objects.get(user=corrected.good_member, pool=corrected.pool)
    assert (balance, earned, spent, adjusted, decayed) == (
        summary.balance,
        summary.earned,
        summary.spent,
        12,
        summary.decayed,
    )
    assert summary.decayed > 0
    assert spent == 20
    assert earned - spent + adjusted - decayed == balance
    assert balance != earned - spent  # the old table could not explain this
    assert rows["Pip"][6] == "-3"


def test_the_standings_csv_has_the_rows_and_balances_of_the_page(corrected: Guild) -> None:
    client = signed_in(corrected.good_member)
    page = table_rows(client.get(reverse("web:home")).content.decode())
    response = client.get(reverse("web:standings_csv"))
    assert response.status_code == 200
    rows = csv_rows(response)
    # The page's name cell carries a badge for anyone who is not a plain member ("Dev Developer").
    shown = [row["Member"] + ("" if row["Role"] == "Member" else f" {row['Role']}") for row in rows]
    assert [(name, int(row["Balance"])) for name, row in zip(shown, rows, strict=True)] == [
        (cells[1], number(cells[3])) for cells in page
    ]
    assert [int(row["Rank"]) for row in rows] == list(range(1, len(page) + 1))
    for row in rows:
        assert int(row["Earned"]) - int(row["Spent"]) + int(row["Adjusted"]) - int(row["Decayed"]) == int(
            row["Balance"]
        )
    gwen = next(row for row in rows if row["Member"] == "Gwen")
    assert (gwen["Main"], gwen["Class"], gwen["Spent"], gwen["Adjusted"]) == ("Gwendolyn", "Warrior", "20", "12")


def test_the_standings_csv_keeps_the_pool_filters_and_sort_of_the_page(corrected: Guild) -> None:
    other = DkpPool.objects.create(name="Time Raids")
    adjust_points(user=corrected.poor_member, pool=other, amount=50, reason="signup bonus", actor=corrected.officer)
    client = signed_in(corrected.officer)
    query = f"?pool={corrected.pool.pk}&class=Warrior&role=member&sort=spent"
    page = table_rows(client.get(reverse("web:home") + query).content.decode())
    rows = csv_rows(client.get(reverse("web:standings_csv") + query))
    assert [row["Member"] for row in rows] == [cells[1] for cells in page]
    assert rows
    assert all(row["Class"] == "Warrior" and row["Role"] == "Member" for row in rows)
    assert [int(row["Spent"]) for row in rows] == sorted((int(row["Spent"]) for row in rows), reverse=True)

    time_raids = csv_rows(client.get(reverse("web:standings_csv") + f"?pool={other.pk}"))
    assert [(row["Member"], row["Balance"], row["Adjusted"]) for row in time_raids] == [("Pip", "50", "50")]


def test_the_standings_page_links_to_the_csv_of_what_it_shows(corrected: Guild) -> None:
    client = signed_in(corrected.good_member)
    html = client.get(reverse("web:home") + "?class=Cleric&sort=earned").content.decode()
    link = re.search(r'href="([^"]*standings\.csv[^"]*)"[^>]*>Download CSV', html)
    assert link is not None
    rows = csv_rows(client.get(link.group(1).replace("&amp;", "&")))
    assert rows
    assert all(row["Class"] == "Cleric" for row in rows)


def test_a_download_is_named_after_the_guild_the_pool_and_the_day(corrected: Guild) -> None:
    GuildSettings.objects.filter(pk=1).update(guild_name="Ashen Vanguard")
    response = signed_in(corrected.good_member).get(reverse("web:standings_csv"))
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="ashen-vanguard-main-standings-{today}.csv"'
    ledger = signed_in(corrected.good_member).get(
        reverse("web:member_ledger_csv", args=[corrected.good_member.username]) + "?kind=loot"
    )
    assert ledger["Content-Disposition"] == f'attachment; filename="ashen-vanguard-gwen-ledger-loot-{today}.csv"'


def test_the_ledger_csv_has_every_entry_the_member_page_pages_through(corrected: Guild) -> None:
    gwen = corrected.good_member
    for index in range(30):
        adjust_points(
            user=gwen, pool=corrected.pool, amount=index + 1, reason=f"bonus {index}", actor=corrected.officer
        )
    client = signed_in(corrected.poor_member)
    page = table_rows(client.get(reverse("web:member", args=[gwen.username])).content.decode(), after='id="ledger"')
    rows = csv_rows(client.get(reverse("web:member_ledger_csv", args=[gwen.username])))
    assert len(page) == 25
    assert len(rows) == gwen.point_entries.count() > 25
    # The first page of the ledger is the first 25 rows of the CSV: when, pool, character, points.
    assert [(cells[0], cells[1], cells[3], number(cells[4])) for cells in page] == [
        (row["When"], row["Pool"], row["Character"], int(row["Points"])) for row in rows[:25]
    ]
    assert (
        sum(int(row["Points"]) for row in rows) == UserPointsSummary.objects.get(user=gwen, pool=corrected.pool).balance
    )
    memos = {row["Memo"] for row in rows}
    assert {"bonus 0", "bonus 29"} <= memos
    assert {row["Entered by"] for row in rows if row["Kind"] == "Adjustment"} == {"Olwen"}


def test_the_ledger_csv_of_one_kind_has_only_that_kind(corrected: Guild) -> None:
    gwen = corrected.good_member
    rows = csv_rows(signed_in(gwen).get(reverse("web:member_ledger_csv", args=[gwen.username]) + "?kind=loot"))
    assert [(row["Kind"], row["Points"], row["Character"]) for row in rows] == [("Loot", "-20", "Gwendolyn")]


def test_a_name_a_spreadsheet_would_run_as_a_formula_is_written_as_text(guild: Guild) -> None:
    sly = make_user("sly")
    sly.display_name = '=HYPERLINK("http://x")'
    sly.save(update_fields=["display_name"])
    make_character("Slyboots", sly)
    adjust_points(user=sly, pool=guild.pool, amount=5, reason="+1 for trying", actor=guild.officer)
    rows = csv_rows(signed_in(guild.officer).get(reverse("web:standings_csv")))
    assert '\'=HYPERLINK("http://x")' in {row["Member"] for row in rows}
    ledger = csv_rows(signed_in(guild.officer).get(reverse("web:member_ledger_csv", args=["sly"])))
    assert ledger[0]["Memo"] == "'+1 for trying"
    assert ledger[0]["Points"] == "5"


def test_visitors_may_download_only_what_they_may_see(guild: Guild) -> None:
    GuildSettings.objects.filter(pk=1).update(standings_public=False)
    visitor = Client()
    standings = reverse("web:standings_csv")
    ledger = reverse("web:member_ledger_csv", args=[guild.good_member.username])
    # A visitor is sent to sign in and come back, as from the member page; a guest is refused.
    member_page = visitor.get(reverse("web:member", args=[guild.good_member.username]))
    assert member_page.status_code == 302
    for address in (standings, ledger):
        refused = visitor.get(address)
        assert refused.status_code == 302
        assert refused["Location"] == f"{reverse('web:login')}?next={address}"
    assert signed_in(guild.guest).get(standings).status_code == 403
    assert signed_in(guild.guest).get(ledger).status_code == 403

    GuildSettings.objects.filter(pk=1).update(standings_public=True)
    assert visitor.get(standings).status_code == 200
    assert {row["Kind"] for row in csv_rows(visitor.get(ledger))} == {"Attendance"}
    assert signed_in(guild.guest).get(ledger).status_code == 200


def test_an_unknown_member_or_a_bad_pool_is_a_clear_4xx(guild: Guild) -> None:
    client = signed_in(guild.good_member)
    assert client.get(reverse("web:member_ledger_csv", args=["nobody"])).status_code == 404
    bad = client.get(reverse("web:standings_csv") + "?pool=2.5")
    assert bad.status_code == 400
    assert "The pool" in bad.content.decode()


def test_a_members_page_shows_how_their_balance_adds_up(corrected: Guild) -> None:
    gwen = corrected.good_member
    html = signed_in(corrected.poor_member).get(reverse("web:member", args=[gwen.username])).content.decode()
    summary = UserPointsSummary.objects.get(user=gwen, pool=corrected.pool)
    sentence = (
        f"= earned {summary.earned} \N{MINUS SIGN} spent {summary.spent} + adjusted {summary.adjusted}"
        f" \N{MINUS SIGN} decayed {summary.decayed}"
    )
    assert sentence in html
    assert f'<div class="big">{summary.balance}</div>' in html
    assert summary.earned - summary.spent + summary.adjusted - summary.decayed == summary.balance
    assert reverse("web:member_ledger_csv", args=[gwen.username]) in html


def test_the_standings_table_is_rendered_once_and_changes_with_the_ledger(corrected: Guild) -> None:
    client = signed_in(corrected.good_member)
    with CaptureQueriesContext(connection) as cold:
        first = client.get(reverse("web:home")).content.decode()
    with CaptureQueriesContext(connection) as warm:
        again = client.get(reverse("web:home")).content.decode()
    assert table_rows(again) == table_rows(first)
    assert len(warm) < len(cold)  # the table's rows were not read again: the rendering came from the cache

    adjust_points(user=corrected.good_member, pool=corrected.pool, amount=100, reason="bonus", actor=corrected.officer)
    gwen = {row[1]: row for row in table_rows(client.get(reverse("web:home")).content.decode())}["Gwen"]
    assert gwen[6] == "+112"
