"""What the officer pages share: who may open them, and the status a refusal is shown with."""

from __future__ import annotations

from typing import Any

from django.db.models import Model

from dkp.core.errors import GuildError, InvalidInput
from dkp.core.fields import id_from_text


def refusal_status(refused: GuildError) -> int:
    """Bad input on a form is a 400 (what the form shows says why); other refusals keep their status."""
    return 400 if isinstance(refused, InvalidInput) else refused.status


def chosen(queryset: Any, value: str, *, missing: str, label: str) -> Any:
    """The row a select picked, strictly by id; ``InvalidInput`` with ``missing`` when none was."""
    chosen_id = id_from_text(value, label=label)
    row: Model | None = queryset.filter(pk=chosen_id).first() if chosen_id is not None else None
    if row is None:
        raise InvalidInput(missing, code="required")
    return row
