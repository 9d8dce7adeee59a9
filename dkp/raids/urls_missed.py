"""Missed-tick request pages, mounted at /missed-ticks/."""

from django.urls import path

from dkp.raids import views_missed

app_name = "missed"

urlpatterns = [
    path("", views_missed.queue, name="queue"),
    path("ticks/<int:tick_id>/", views_missed.request_form, name="new"),
    path("<int:pk>/approve/", views_missed.approve, name="approve"),
    path("<int:pk>/deny/", views_missed.deny, name="deny"),
]
