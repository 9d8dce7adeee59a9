from django.urls import path

from dkp.web import exports, loot, me, raid_nights, search, views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("standings.csv", exports.standings_csv, name="standings_csv"),
    path("members/<str:username>/", views.member, name="member"),
    path("members/<str:username>/ledger.csv", exports.member_ledger_csv, name="member_ledger_csv"),
    path("me/", me.me, name="me"),
    path("me/api-keys/", views.api_key_create, name="api_key_create"),
    path("me/api-keys/<id:key_id>/revoke/", views.api_key_revoke, name="api_key_revoke"),
    path("raids/", raid_nights.raid_list, name="raids"),
    path("raids/<id:raid_id>/", raid_nights.raid_detail, name="raid"),
    path("ticks/<id:tick_id>/", views.tick_detail, name="tick"),
    path("loot/", loot.loot_list, name="loot"),
    path("items/<id:item_id>/", loot.item_detail, name="item"),
    path("search/", search.search, name="search"),
    path("characters/", views.character_list, name="characters"),
    path("characters/<str:name>/", views.character_detail, name="character"),
    path("sign-in/", views.sign_in, name="login"),
    path("sign-in/demo/", views.demo_sign_in, name="demo_sign_in"),
    path("sign-out/", views.sign_out, name="logout"),
]
