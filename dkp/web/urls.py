from django.urls import path

from dkp.web import characters, exports, loot, me, raid_nights, search, views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("standings.csv", exports.standings_csv, name="standings_csv"),
    path("members/<str:username>/", views.member, name="member"),
    path("members/<str:username>/ledger.csv", exports.member_ledger_csv, name="member_ledger_csv"),
    path("me/", me.me, name="me"),
    path("me/api-keys/", views.api_key_create, name="api_key_create"),
    path("me/api-keys/<id:key_id>/revoke/", views.api_key_revoke, name="api_key_revoke"),
    path("raids.csv", exports.raids_csv, name="raids_csv"),
    path("loot.csv", exports.loot_csv, name="loot_csv"),
    path("raids/", raid_nights.raid_list, name="raids"),
    path("raids/<id:raid_id>/", raid_nights.raid_detail, name="raid"),
    path("ticks/<id:tick_id>/", views.tick_detail, name="tick"),
    path("loot/", loot.loot_list, name="loot"),
    path("items/<id:item_id>/", loot.item_detail, name="item"),
    path("search/", search.search, name="search"),
    path("characters/", characters.character_list, name="characters"),
    path("characters/<str:name>/", characters.character_detail, name="character"),
    path("characters/<str:name>/claim/", characters.character_claim, name="character_claim"),
    path("officer/claims/", characters.claims_queue, name="claims"),
    path("officer/claims/<id:claim_id>/approve/", characters.claim_approve, name="claim_approve"),
    path("officer/claims/<id:claim_id>/deny/", characters.claim_deny, name="claim_deny"),
    path("officer/owners/", characters.quick_assign, name="quick_assign"),
    path("sign-in/", views.sign_in, name="login"),
    path("sign-in/demo/", views.demo_sign_in, name="demo_sign_in"),
    path("sign-out/", views.sign_out, name="logout"),
]
