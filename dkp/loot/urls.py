"""Auction pages, under /auctions/."""

from django.urls import path

from dkp.loot import views

app_name = "loot"

urlpatterns = [
    path("", views.auction_list, name="list"),
    path("<id:auction_id>/", views.auction_detail, name="detail"),
    path("<id:auction_id>/bid/", views.bid, name="bid"),
    path("<id:auction_id>/withdraw/", views.withdraw, name="withdraw"),
]
