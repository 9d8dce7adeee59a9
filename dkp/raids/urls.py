"""Officers' raid pages, under /officer/."""

from django.urls import path

from dkp.raids import views

app_name = "raids"

urlpatterns = [
    path("raids/new/", views.raid_new, name="raid_new"),
    path("raids/<id:raid_id>/ticks/new/", views.tick_new, name="tick_new"),
    path("raids/<id:raid_id>/ticks/preview/", views.tick_preview, name="tick_preview"),
    path("raids/<id:raid_id>/ticks/confirm/", views.tick_confirm, name="tick_confirm"),
    path("ticks/<id:tick_id>/edit/", views.tick_edit, name="tick_edit"),
    path("ticks/<id:tick_id>/delete/", views.tick_delete, name="tick_delete"),
    path("guild-dump/", views.guild_dump, name="guild_dump"),
]
