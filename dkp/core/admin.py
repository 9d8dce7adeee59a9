"""The officers' admin: guild settings, and the pieces every domain's admin is built from.

The admin is one more door onto the services. Rows that carry history are never deleted here,
the ledger and its audit trails are read-only, and anything that moves points is an action
that calls a service.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import flatten
from django.contrib.auth.models import Group
from django.db import connection, models
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from dkp.core.errors import GuildError
from dkp.core.fields import IdChoiceField, WholeNumberFormField
from dkp.core.guild_settings import SETTINGS_FIELDS, update_guild_settings
from dkp.core.models import AuditEntry, GuildSettings, IdempotentRequest
from dkp.core.numbers import WholeNumber

if TYPE_CHECKING:
    from dkp.accounts.models import User

RowT = TypeVar("RowT", bound=models.Model)


def acting_officer(request: HttpRequest) -> User:
    """The user behind an admin request; the site lets in nobody but officers (and superusers)."""
    user = request.user
    assert user.is_authenticated, "the admin site only admits signed-in users"
    return cast("User", user)


def adopt(form_instance: models.Model, saved: models.Model) -> None:
    """Make the admin's unsaved form instance stand for the row a service saved.

    The admin goes on to log the addition and redirect using the instance it built; after a
    service has done the write, that instance must carry the service's primary key and values.
    """
    for field in saved._meta.concrete_fields:
        setattr(form_instance, field.attname, getattr(saved, field.attname))
    form_instance._state.adding = False
    form_instance._state.db = saved._state.db


class ReasonActionForm(helpers.ActionForm):
    """The changelist's action bar, with room for the reason a reversal or a denial is given."""

    reason = forms.CharField(
        required=False,
        max_length=300,
        label="Reason",
        widget=forms.TextInput(attrs={"placeholder": "Why (recorded with the change)", "size": 40}),
    )


def action_reason(request: HttpRequest) -> str:
    return str(request.POST.get("reason", "")).strip()


def apply_to_each(
    model_admin: admin.ModelAdmin,
    request: HttpRequest,
    rows: Iterable[RowT],
    service_call: Callable[[RowT], object],
    *,
    done: tuple[str, str],
) -> None:
    """Run one service call per selected row, each its own transaction, and report every refusal.

    ``done`` is the success message for one row and for several, with ``{count}`` for how many
    rows the service accepted.
    """
    accepted = 0
    for row in rows:
        try:
            service_call(row)
        except GuildError as error:
            model_admin.message_user(request, f"{row}: {error.message}", level=messages.ERROR)
        else:
            accepted += 1
    if accepted:
        one, several = done
        message = one if accepted == 1 else several
        model_admin.message_user(request, message.format(count=accepted), level=messages.SUCCESS)


class NoDeleteAdmin(admin.ModelAdmin):
    """Rows that carry history are deactivated, never deleted.

    Numbers are read strictly, as in every door: a field named in ``whole_number_rules`` by the
    service's rule (so the admin refuses with the page's and the API's sentence), any other
    integer field within its column's range, and a chosen row by its id (never "+5" for row 5).
    """

    whole_number_rules: dict[str, WholeNumber] = {}

    def formfield_for_dbfield(self, db_field: models.Field[Any, Any], request: HttpRequest, **kwargs: Any) -> Any:
        rule = self.whole_number_rules.get(db_field.name)
        if rule is None and isinstance(db_field, models.IntegerField) and not db_field.choices:
            low, high = connection.ops.integer_field_range(db_field.get_internal_type())
            rule = WholeNumber(str(db_field.verbose_name).capitalize(), low, high)
        if rule is not None:
            field = super().formfield_for_dbfield(db_field, request, **kwargs)
            if field is None:
                return None
            return WholeNumberFormField(
                rule, required=field.required, label=field.label, help_text=field.help_text, initial=field.initial
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        kwargs.setdefault("form_class", IdChoiceField)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class SavedThroughServiceAdmin(NoDeleteAdmin):
    """A change form whose save calls a service: a refusal comes back as a message on the form, not a 500."""

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except GuildError as error:  # the service refused; its transaction and the admin's rolled back
            messages.error(request, f"Nothing was saved: {error.message}")
            return HttpResponseRedirect(request.get_full_path())


class ReadOnlyAdmin(NoDeleteAdmin):
    """The ledger, audit trails and rows only services write: the change page opens as a record.

    Services keep these rows in step with others (a balance with its ledger, a bid with its
    history), so the admin neither adds, edits nor deletes them.
    """

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyTabularInline(admin.TabularInline):
    """History shown under its parent row, for reading only."""

    extra = 0
    can_delete = False
    show_change_link = True

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # Every shown field, so timestamps and other non-editable fields may be shown too.
        return tuple(flatten(self.fields or ()))

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# Role groups decide what people may do (dkp.core.roles); Django's groups are not used.
if admin.site.is_registered(Group):
    admin.site.unregister(Group)


@admin.register(GuildSettings)
class GuildSettingsAdmin(SavedThroughServiceAdmin):
    """One row of settings; there is nothing to filter or search."""

    list_display = (
        "guild_name",
        "server_name",
        "time_zone",
        "standings_public",
        "vote_threshold_percent",
        "uses_trials",
    )
    fieldsets = (
        (None, {"fields": ("guild_name", "server_name", "time_zone")}),
        ("Visibility and recruitment", {"fields": ("standings_public", "vote_threshold_percent", "uses_trials")}),
        ("Auctions", {"fields": ("auction_minutes",)}),
        ("Officers", {"fields": ("separation_of_duties",)}),
        (
            "Links and Discord",
            {"fields": ("item_link_template", "discord_announce_channel_id", "discord_auction_channel_id")},
        ),
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not GuildSettings.objects.exists()

    def save_model(self, request: HttpRequest, obj: GuildSettings, form: Any, change: bool) -> None:
        """A change goes through ``update_guild_settings`` (its rules, its audit row), as on the officer page."""
        if not change:
            super().save_model(request, obj, form, change)
            return
        changes = {field: form.cleaned_data[field] for field in form.changed_data if field in SETTINGS_FIELDS}
        adopt(obj, update_guild_settings(actor=acting_officer(request), **changes))


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """Officers' setup changes, written by the services that made them."""

    list_display = ("created_at", "actor", "action", "target", "changes")
    list_select_related = ("actor",)
    list_filter = ("action",)
    search_fields = ("target", "actor__username", "actor__display_name")
    date_hierarchy = "created_at"


@admin.register(IdempotentRequest)
class IdempotentRequestAdmin(ReadOnlyAdmin):
    """API writes sent with an Idempotency-Key in the last day, and the answer each got (dkp.core.idempotency)."""

    list_display = ("created_at", "method", "path", "key", "status")
    list_filter = ("method", "status")
    search_fields = ("key", "path")
    date_hierarchy = "created_at"
    exclude = ("caller", "response")
