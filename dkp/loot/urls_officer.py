"""Officer loot console: open auctions, watch, close, correct, direct awards."""

from django.urls import path

from dkp.loot import views_corrections
from dkp.loot import views_officer as views

app_name = "loot_officer"
urlpatterns = [
    path("", views.console, name="console"),
    path("open/", views.open_auctions, name="open"),
    path("auctions/<id:auction_id>/close/", views.close_now, name="close"),
    path("auctions/<id:auction_id>/extend/", views.extend, name="extend"),
    path("auctions/<id:auction_id>/cancel/", views.cancel, name="cancel"),
    path("awards/<id:distribution_id>/reverse/", views.reverse_award, name="reverse"),
    path("awards/<id:distribution_id>/reaward/", views.reaward, name="reaward"),
    path("awards/<id:distribution_id>/elsewhere/", views_corrections.award_elsewhere, name="award_elsewhere"),
    path("awards/<id:distribution_id>/reopen/", views_corrections.reopen, name="reopen"),
    path("award/", views.award, name="award"),
]
