"""Discord message components the bot and the REST poster both attach: their custom ids and JSON.

Pure (no Django, no discord.py): the Celery task that posts "voting is open" over Discord's REST API
attaches ``vote_components(application_id)``, and the running bot answers a click on any of those
buttons through the DynamicItem in ``dkp.bot.applications`` whose template is
``VOTE_TEMPLATE``. The custom id carries everything the click needs, so a button works on every
post, also one made while the bot was down or before it restarted.
"""

from __future__ import annotations

import re
from typing import Any

# The choices are ``dkp.recruitment.models.VoteChoice``'s values; a test pins that they agree.
VOTE_CHOICES: tuple[str, ...] = ("yes", "no", "abstain")
VOTE_LABELS: dict[str, str] = {"yes": "Yes", "no": "No", "abstain": "Abstain"}

# Discord's component types and button styles (https://discord.com/developers/docs/components/reference).
ACTION_ROW = 1
BUTTON = 2
STYLE_SECONDARY = 2
STYLE_SUCCESS = 3
STYLE_DANGER = 4
VOTE_STYLES: dict[str, int] = {"yes": STYLE_SUCCESS, "no": STYLE_DANGER, "abstain": STYLE_SECONDARY}

VOTE_TEMPLATE = r"dkp:vote:(?P<application_id>[0-9]{1,19}):(?P<choice>yes|no|abstain)"
_VOTE = re.compile(VOTE_TEMPLATE)


def vote_custom_id(application_id: int, choice: str) -> str:
    """``dkp:vote:<application id>:<yes|no|abstain>``."""
    if choice not in VOTE_CHOICES:
        raise ValueError(f"{choice!r} is not a vote choice")
    if isinstance(application_id, bool) or not isinstance(application_id, int) or application_id < 1:
        raise ValueError(f"{application_id!r} is not an application id")
    return f"dkp:vote:{application_id}:{choice}"


def parse_vote_custom_id(custom_id: str) -> tuple[int, str] | None:
    """The application id and choice a vote button's custom id names, or None for any other id."""
    match = _VOTE.fullmatch(custom_id or "")
    if match is None:
        return None
    return int(match["application_id"]), match["choice"]


def vote_button(application_id: int, choice: str) -> dict[str, Any]:
    return {
        "type": BUTTON,
        "style": VOTE_STYLES[choice],
        "label": VOTE_LABELS[choice],
        "custom_id": vote_custom_id(application_id, choice),
    }


def vote_components(application_id: int) -> list[dict[str, Any]]:
    """One action row with the Yes, No and Abstain buttons, as Discord's message JSON wants them."""
    return [
        {
            "type": ACTION_ROW,
            "components": [vote_button(application_id, choice) for choice in VOTE_CHOICES],
        }
    ]
