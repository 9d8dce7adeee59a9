"""Officers' points pages, under /officer/points/."""

from django.urls import path

from dkp.points import views

app_name = "points"

urlpatterns = [
    path("adjust/", views.adjust, name="adjust"),
    path("decay/", views.decay, name="decay"),
    path("decay/<id:pool_id>/apply/", views.decay_apply, name="decay_apply"),
]
