from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class CoreConfig(AppConfig):
    default = True
    name = "dkp.core"
    label = "core"
    verbose_name = "Guild"

    def ready(self) -> None:
        from django.urls import register_converter

        from dkp.core.fields import IdConverter
        from dkp.core.runtime import make_runtime_folders

        register_converter(IdConverter, "id")  # pages' ids: <id:raid_id>, never a database overflow
        make_runtime_folders()  # var/ and the broker's folders, before any command opens them
        _deeper_runserver_backlog()


# How many connections the embedded default's web server (runserver) lets wait to be accepted.
# Django's is 10: fifty raiders bidding at once on a hot item had connections reset. The kernel
# caps it at its own somaxconn (4096 on current Linux).
RUNSERVER_BACKLOG = 256


def _deeper_runserver_backlog() -> None:
    from django.core.servers.basehttp import WSGIServer

    WSGIServer.request_queue_size = RUNSERVER_BACKLOG


class OfficerAdminConfig(admin_apps.AdminConfig):
    """Django's admin, on a site that only officers may enter."""

    default = False
    default_site = "dkp.core.admin_site.OfficerAdminSite"
