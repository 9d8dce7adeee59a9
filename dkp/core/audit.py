"""The audit log of officers' setup changes: one helper every service calls inside its transaction."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from dkp.core.models import AuditEntry

if TYPE_CHECKING:
    from dkp.accounts.models import User


def _plain(value: Any) -> Any:
    """A value as JSON keeps it: model rows by name, everything else as it is or as text."""
    if value is None or isinstance(value, bool | int | float | str | list | dict):
        return value
    return str(value)


def field_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """``{field: [before, after]}`` for each field whose value differs (a missing ``before`` is new)."""
    return {
        field: [_plain(before.get(field)), _plain(value)]
        for field, value in after.items()
        if field not in before or before[field] != value
    }


def record_audit(*, actor: User | None, action: str, target: str, changes: Mapping[str, list[Any]]) -> AuditEntry:
    """Write one audit row; the caller's transaction owns it (so it exists only if the change does)."""
    return AuditEntry.objects.create(actor=actor, action=action, target=target[:200], changes=dict(changes))
