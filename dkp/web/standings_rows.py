"""The standings table's rows, written in Python: the one table of the site with 500 rows.

The template engine's per-cell work (``intcomma``, ``floatformat``, ``{% url %}`` and a lookup per
variable) cost about 15 times the query that reads the rows, so the rows are written here with
each number formatted once and each link made from one reversed prefix. The result is the markup
``_standings_table.html`` wrote row by row, escaped the same way (``django.utils.html.escape``
is ``html.escape``); this is the only place the standings rows are written.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from html import escape
from urllib.parse import quote

from django.urls import reverse
from django.utils.http import RFC3986_SUBDELIMS
from django.utils.safestring import SafeString, mark_safe

from dkp.core.roles import RoleGroup
from dkp.standings.selectors import StandingRow

# What ``reverse`` leaves unquoted in a path argument (django.urls.resolvers).
_PATH_SAFE = RFC3986_SUBDELIMS + "/~:@"
_ROLE_BADGES = {
    str(role.value): f' <span class="badge role-{escape(str(role.value))}">{escape(str(role.label))}</span>'
    for role in RoleGroup
    if role != RoleGroup.MEMBER
}


def _prefix(name: str) -> str:
    """The path of the named page for any argument, up to where the argument goes."""
    marker = "00PLACEHOLDER00"
    path = reverse(name, args=[marker])
    if not path.endswith(f"{marker}/"):
        raise ValueError(f"{name}'s path does not end in its argument: {path}")
    return path[: -len(marker) - 1]


def whole_percent(value: float) -> int:
    """A percentage with two decimals as ``floatformat:0`` shows it: halves round up (0.5 is exact in binary)."""
    return math.floor(value + 0.5)


def standings_rows_html(rows: Iterable[StandingRow]) -> SafeString:
    """The ``<tr>`` of every row, numbered from 1; one empty row when there are none."""
    member, character = _prefix("web:member"), _prefix("web:character")
    out: list[str] = []
    for number, row in enumerate(rows, start=1):
        if row.main_character:
            main = (
                f'<a class="character" href="{character}{quote(row.main_character, safe=_PATH_SAFE)}/">'
                f'{escape(row.main_character)}</a> <span class="muted">{escape(row.eq_class or "")}</span>'
            )
        else:
            main = '<span class="muted">—</span>'
        out.append(
            f'<tr><td class="muted">{number}</td>'
            f'<th scope="row" class="name"><a class="member" href="{member}{quote(row.username, safe=_PATH_SAFE)}/">'
            f"{escape(row.name)}</a>{_ROLE_BADGES.get(row.role_group, '')}</th>"
            f'<td class="main">{main}</td>'
            f'<td class="num strong">{row.balance:,}</td>'
            f'<td class="num">{row.earned:,}</td>'
            f'<td class="num">{row.spent:,}</td>'
            f'<td class="num">{"+" if row.adjusted > 0 else ""}{row.adjusted:,}</td>'
            f'<td class="num">{row.decayed:,}</td>'
            f'<td class="num">{whole_percent(row.attendance_30)}%</td>'
            f'<td class="num opt">{whole_percent(row.attendance_60)}%</td>'
            f'<td class="num opt">{whole_percent(row.attendance_90)}%</td>'
            f'<td class="num opt">{whole_percent(row.attendance_lifetime)}%</td></tr>\n'
        )
    if not out:
        out.append('<tr><td colspan="12" class="empty">Nobody matches these filters.</td></tr>\n')
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped or a formatted number
