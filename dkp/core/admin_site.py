"""The admin site: officers only, whatever Django flags a user carries."""

from django.contrib import admin
from django.http import HttpRequest

from dkp.core.roles import Capability, can


class OfficerAdminSite(admin.AdminSite):
    site_header = "EQ DKP officers"
    site_title = "EQ DKP admin"
    index_title = "Guild administration"

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and (getattr(user, "is_superuser", False) or can(user, Capability.MANAGE_GUILD)))
