"""Users and their API keys in the officers' admin.

People sign in with Discord, so there are no password fields; officers set role groups and
deactivate people instead of deleting them. A role group set here goes through
``keys.set_role_group``, as on the user's page: the officer's rules apply (no self-demotion), the
change is marked as the app's and pushed to Discord after commit, so Discord does not pull it back.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from dkp.accounts.keys import set_role_group
from dkp.accounts.models import ApiKey, User
from dkp.core.admin import NoDeleteAdmin, SavedThroughServiceAdmin, acting_officer
from dkp.core.roles import RoleGroup


@admin.register(User)
class UserAdmin(SavedThroughServiceAdmin):
    list_display = (
        "username",
        "display_name",
        "discord_username",
        "discord_id",
        "role_group",
        "main_character",
        "member_since",
        "is_active",
        "last_login",
    )
    list_select_related = ("main_character",)
    list_filter = ("role_group", "is_active", "is_superuser")
    search_fields = ("username", "display_name", "discord_username", "discord_id")
    ordering = ("username",)
    fieldsets = (
        (None, {"fields": ("username", "display_name", "role_group", "is_active", "member_since", "main_character")}),
        (
            "Discord",
            {
                "fields": (
                    "discord_id",
                    "discord_username",
                    "avatar",
                    "role_group_changed_at",
                    "discord_pushed_at",
                    "discord_synced_at",
                )
            },
        ),
        ("Access", {"fields": ("is_superuser", "last_login", "date_joined")}),
    )

    def get_readonly_fields(self, request: HttpRequest, obj: User | None = None) -> tuple[str, ...]:
        readonly: tuple[str, ...] = (
            "role_group_changed_at",
            "discord_pushed_at",
            "discord_synced_at",
            "last_login",
            "date_joined",
        )
        if not getattr(request.user, "is_superuser", False):
            readonly += ("is_superuser",)
        return readonly

    def has_add_permission(self, request: HttpRequest) -> bool:
        """People arrive by signing in with Discord; only a superuser makes an account by hand."""
        return bool(getattr(request.user, "is_superuser", False))

    def get_form(self, request: HttpRequest, obj: User | None = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change, **kwargs)
        main_character = form.base_fields.get("main_character")
        if isinstance(main_character, forms.ModelChoiceField):
            # A main is one of the user's own characters; a short list, so a plain select.
            characters = User._meta.get_field("main_character").related_model._default_manager
            main_character.queryset = characters.filter(owner=obj) if obj else characters.none()
        return form

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        """A changed role group goes through ``set_role_group``; its ``GuildError`` undoes the whole save."""
        wanted = RoleGroup(obj.role_group)
        if not change:
            obj.set_unusable_password()
            obj.role_group = RoleGroup.GUEST  # what a new account starts as; the wanted group is set below
            super().save_model(request, obj, form, change)
            if wanted == RoleGroup.GUEST:
                return
        elif "role_group" not in form.changed_data:
            super().save_model(request, obj, form, change)
            return
        saved = set_role_group(user=obj, role_group=wanted, actor=acting_officer(request))
        # The rest of the form is saved over the row: carry what the service wrote.
        obj.role_group, obj.role_group_changed_at = saved.role_group, saved.role_group_changed_at
        super().save_model(request, obj, form, True)


@admin.register(ApiKey)
class ApiKeyAdmin(NoDeleteAdmin):
    """Keys are made by their owners (the secret is shown once); officers may rename, expire or revoke."""

    list_display = ("prefix", "name", "owner", "scopes", "created_at", "expires_at", "last_used_at", "revoked_at")
    list_select_related = ("owner",)
    list_filter = (("revoked_at", admin.EmptyFieldListFilter), ("expires_at", admin.EmptyFieldListFilter))
    search_fields = ("prefix", "name", "owner__username", "owner__display_name")
    date_hierarchy = "created_at"
    fields = ("owner", "name", "prefix", "scopes", "created_at", "expires_at", "last_used_at", "revoked_at")
    readonly_fields = ("owner", "prefix", "scopes", "created_at", "last_used_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


def _unregister_allauth_admin() -> None:
    """Discord is configured from settings and users are managed above; allauth's own admin pages
    (social apps, tokens, e-mail addresses) would only invite edits that settings override."""
    from allauth.account.models import EmailAddress
    from allauth.socialaccount.models import SocialAccount, SocialApp, SocialToken

    for model in (EmailAddress, SocialAccount, SocialApp, SocialToken):
        if admin.site.is_registered(model):
            admin.site.unregister(model)


_unregister_allauth_admin()
