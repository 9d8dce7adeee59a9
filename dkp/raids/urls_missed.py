"""Missed-tick request pages, mounted at /missed-ticks/."""

from django.urls import path

from dkp.raids import views_missed

app_name = "missed"

urlpatterns = [
    path("", views_missed.queue, name="queue"),
    path("ticks/<id:tick_id>/", views_missed.request_form, name="new"),
    path("<id:pk>/approve/", views_missed.approve, name="approve"),
    path("<id:pk>/deny/", views_missed.deny, name="deny"),
]
