"""Personal API keys, and an officer setting a user's role group.

A key's secret is ``dkp_<prefix>_<random>``; only its SHA-256 and the visible prefix are stored,
so the secret is shown once, when the key is made.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets

from django.db import transaction
from django.utils import timezone

from dkp.accounts.models import ApiKey, User
from dkp.accounts.tasks import push_role_group_after_commit
from dkp.core.audit import record_audit
from dkp.core.errors import Forbidden, GuildError, InvalidInput, NotFound
from dkp.core.roles import Capability, RoleGroup, require

SECRET_PATTERN = re.compile(r"^dkp_([a-z0-9]{8})_([A-Za-z0-9_-]{20,100})$")
LAST_USED_GRANULARITY = dt.timedelta(minutes=1)


class KeyRefused(GuildError):
    """The presented key cannot authenticate. One message for every reason, so keys cannot be probed."""

    status = 401
    default_code = "authentication_failed"


def hash_secret(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _clean_scopes(scopes: list[str]) -> list[str]:
    valid = set(ApiKey.Scope.values)
    unknown = [s for s in scopes if s not in valid]
    if unknown:
        raise InvalidInput(f"Unknown scope(s): {', '.join(map(str, unknown))}.", code="invalid_scope")
    cleaned = [s for s in ApiKey.Scope.values if s in scopes]
    if not cleaned:
        raise InvalidInput("Pick at least one scope: read, bid or write.", code="invalid_scope")
    return cleaned


@transaction.atomic
def create_api_key(
    *, owner: User, name: str, scopes: list[str], expires_at: dt.datetime | None, actor: User
) -> tuple[ApiKey, str]:
    """Make a key for ``owner`` and return it with its secret, which is never shown again."""
    require(owner, Capability.OWN_API_KEYS)
    if actor.pk != owner.pk:
        raise Forbidden("You can only make API keys for yourself.")
    name = (name or "").strip()
    if not name:
        raise InvalidInput("Give the key a name, so you know it again.", code="name_required")
    if len(name) > 100:
        raise InvalidInput("A key name is at most 100 characters.", code="name_too_long")
    cleaned = _clean_scopes(list(scopes or []))
    if expires_at is not None and expires_at <= timezone.now():
        raise InvalidInput("The expiry must be in the future.", code="invalid_expiry")
    prefix = secrets.token_hex(4)
    while ApiKey.objects.filter(prefix=prefix).exists():  # pragma: no cover - 1 in 4 billion
        prefix = secrets.token_hex(4)
    raw = f"dkp_{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey.objects.create(
        owner=owner, name=name, prefix=prefix, secret_hash=hash_secret(raw), scopes=cleaned, expires_at=expires_at
    )
    return key, raw


@transaction.atomic
def revoke_api_key(*, key: ApiKey, actor: User) -> ApiKey:
    """Stop a key working. The owner revokes their own; an officer may revoke anyone's."""
    key = ApiKey.objects.select_for_update().get(pk=key.pk)
    if key.owner_id != actor.pk:
        require(actor, Capability.MANAGE_GUILD)
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
    return key


def authenticate_key(raw: str) -> ApiKey:
    """The usable key behind a presented secret; ``KeyRefused`` (401) for anything else."""
    refused = KeyRefused("Invalid, revoked or expired API key.")
    match = SECRET_PATTERN.match(raw or "")
    if not match:
        raise refused
    # The owner with their main character: a bid, the busiest keyed request, names the main.
    key = ApiKey.objects.select_related("owner", "owner__main_character").filter(prefix=match.group(1)).first()
    if key is None or not secrets.compare_digest(key.secret_hash, hash_secret(raw)):
        raise refused
    now = timezone.now()
    if not key.is_usable(now) or not key.owner.is_active:
        raise refused
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_GRANULARITY:
        # A conditional update: busy keys write at most once a minute, and never block a request.
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
    return key


def keys_of(*, owner: User) -> list[ApiKey]:
    return list(ApiKey.objects.filter(owner=owner).order_by("-created_at"))


def key_of(*, owner: User, key_id: int) -> ApiKey:
    key = ApiKey.objects.filter(owner=owner, pk=key_id).first()
    if key is None:
        raise NotFound("No such API key of yours.")
    return key


@transaction.atomic
def set_role_group(*, user: User, role_group: str, actor: User) -> User:
    """An officer changes a user's role group; a changed group is pushed to Discord after commit.

    ``role_group_changed_at`` marks the change as the app's, so Discord's older roles are not pulled
    back over it before the push has landed (``dkp.accounts.role_sync``).
    """
    require(actor, Capability.MANAGE_GUILD)
    if role_group not in RoleGroup.values:
        raise InvalidInput(f"{role_group!r} is not a role group.", code="invalid_role_group")
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.pk == actor.pk and role_group != RoleGroup.OFFICER:
        raise InvalidInput("Officers cannot demote themselves; ask another officer.", code="self_demotion")
    if user.role_group != role_group:
        record_audit(
            actor=actor, action="role.set", target=user.name, changes={"role_group": [user.role_group, role_group]}
        )
        user.role_group = role_group
        user.role_group_changed_at = timezone.now()
        user.save(update_fields=["role_group", "role_group_changed_at"])
        push_role_group_after_commit(user=user)
    return user
