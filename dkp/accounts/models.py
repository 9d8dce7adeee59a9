"""Users are Discord users; points and roles hang on them, never on characters."""

from __future__ import annotations

import datetime

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone

from dkp.core.roles import RoleGroup


class UserManager(BaseUserManager["User"]):
    def create_user(self, username: str, password: str | None = None, **fields: object) -> User:
        user = self.model(username=username, **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, username: str, password: str | None = None, **fields: object) -> User:
        fields.setdefault("role_group", RoleGroup.OFFICER)
        return self.create_user(username, password, is_superuser=True, **fields)


def shown_name(display_name: str, discord_username: str, username: str) -> str:
    """The name a member is shown by: the one they chose, else their Discord name, else the user name."""
    return display_name or discord_username or username


class User(AbstractBaseUser, PermissionsMixin):
    username = models.CharField(max_length=150, unique=True, help_text="Handle in this app; Discord's at first login.")
    discord_id = models.CharField(max_length=20, unique=True, null=True, blank=True, help_text="Discord snowflake.")
    discord_username = models.CharField(max_length=100, blank=True)
    display_name = models.CharField(max_length=100, blank=True)
    avatar = models.CharField(max_length=200, blank=True, help_text="Discord avatar hash.")
    role_group = models.CharField(max_length=16, choices=RoleGroup.choices, default=RoleGroup.GUEST, db_index=True)
    member_since = models.DateField(null=True, blank=True)
    main_character = models.ForeignKey(
        "characters.Character", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    discord_synced_at = models.DateTimeField(
        null=True, blank=True, help_text="When the app and Discord last agreed on the role group."
    )
    role_group_changed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the app last changed the role group; Discord is not pulled in until it has the change.",
    )
    discord_pushed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When a push of the role group to Discord last finished with everything applied.",
    )
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "username"
    REQUIRED_FIELDS = []

    class Meta:
        ordering = ["username"]
        constraints = [
            models.CheckConstraint(condition=models.Q(role_group__in=RoleGroup.values), name="user_role_group_valid"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return shown_name(
            display_name=self.display_name, discord_username=self.discord_username, username=self.username
        )

    @property
    def is_staff(self) -> bool:
        """Officers run the admin; Django's flag follows the role group instead of being stored."""
        return self.is_active and (self.is_superuser or self.role_group == RoleGroup.OFFICER)

    def has_perm(self, perm: str, obj: models.Model | None = None) -> bool:
        return self.is_staff or super().has_perm(perm, obj)

    def has_module_perms(self, app_label: str) -> bool:
        return self.is_staff or super().has_module_perms(app_label)


class ApiKey(models.Model):
    """A personal API key. Only a hash of the secret is kept; the prefix identifies it to people."""

    class Scope(models.TextChoices):
        READ = "read", "Read"
        BID = "bid", "Bid"
        WRITE = "write", "Write"

    owner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(default=list, help_text="Any of read, bid, write.")
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"

    def is_usable(self, at: datetime.datetime | None = None) -> bool:
        now = at or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)
