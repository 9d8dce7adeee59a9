"""The officers' setup pages, under /officer/ (beside raids' /officer/raids/, loot's and points')."""

from django.urls import path

from dkp.web.officer import events, guild_document, index, pools, roles, settings_page, switching

app_name = "officer"

urlpatterns = [
    path("", index.index, name="index"),
    path("events/", events.event_list, name="events"),
    path("events/new/", events.event_new, name="event_new"),
    path("events/<id:event_id>/", events.event_edit, name="event_edit"),
    path("pools/", pools.pool_list, name="pools"),
    path("pools/new/", pools.pool_new, name="pool_new"),
    path("pools/<id:pool_id>/", pools.pool_edit, name="pool_edit"),
    path("roles/", roles.role_list, name="roles"),
    path("roles/<id:user_id>/", roles.role_set, name="role_set"),
    path("settings/", settings_page.guild_settings, name="settings"),
    path("guild.json", guild_document.download, name="guild_document"),
    path("import/", switching.import_start, name="import"),
    path("import/preview/", switching.import_preview, name="import_preview"),
    path("import/confirm/", switching.import_confirm, name="import_confirm"),
]
