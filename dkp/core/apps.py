from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class CoreConfig(AppConfig):
    default = True
    name = "dkp.core"
    label = "core"
    verbose_name = "Guild"


class OfficerAdminConfig(admin_apps.AdminConfig):
    """Django's admin, on a site that only officers may enter."""

    default = False
    default_site = "dkp.core.admin_site.OfficerAdminSite"
