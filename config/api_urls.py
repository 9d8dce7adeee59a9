"""The REST API: version 1 under /api/v1/, its OpenAPI schema and its docs (assets served locally)."""

from django.urls import include, path, re_path

from dkp.accounts.api_views import ApiKeyViewSet
from dkp.characters.api import CharacterViewSet, ClaimRequestViewSet
from dkp.core.api import not_found
from dkp.core.routers import GuildRouter
from dkp.loot.api import AuctionViewSet, ItemViewSet, LootViewSet
from dkp.points.api import AdjustmentViewSet
from dkp.raids.api import EventViewSet, GuildDumpViewSet, RaidViewSet, TickViewSet
from dkp.raids.api_missed import MissedTickRequestViewSet
from dkp.recruitment.api import ApplicationCommentViewSet, ApplicationQuestionViewSet, GuildApplicationViewSet
from dkp.standings.api import MeLedgerView, MeView, PoolViewSet, UserViewSet
from dkp.web.api_docs import RedocView, SchemaView, SwaggerView

router = GuildRouter()
router.register("users", UserViewSet, basename="user")
router.register("characters", CharacterViewSet, basename="character")
router.register("claims", ClaimRequestViewSet, basename="claim")
router.register("pools", PoolViewSet, basename="pool")
router.register("events", EventViewSet, basename="event")
router.register("adjustments", AdjustmentViewSet, basename="adjustment")
router.register("api-keys", ApiKeyViewSet, basename="api-key")
router.register("raids", RaidViewSet, basename="raid")
router.register("ticks", TickViewSet, basename="tick")
router.register("guild-dumps", GuildDumpViewSet, basename="guild-dump")
router.register("missed-tick-requests", MissedTickRequestViewSet, basename="missed-tick-request")
router.register("applications", GuildApplicationViewSet, basename="application")
router.register("application-comments", ApplicationCommentViewSet, basename="application-comment")
router.register("application-questions", ApplicationQuestionViewSet, basename="application-question")
router.register("items", ItemViewSet, basename="item")
router.register("auctions", AuctionViewSet, basename="auction")
router.register("loot", LootViewSet, basename="loot")

v1 = [
    path("me/", MeView.as_view(), name="me"),
    path("me/ledger/", MeLedgerView.as_view(), name="me-ledger"),
    *router.urls,
]

urlpatterns = [
    path("v1/", include((v1, "api"), namespace="api")),
    # Public or for members only by the API_DOCS_PUBLIC setting (dkp/web/api_docs.py).
    path("schema/", SchemaView.as_view(), name="schema"),
    path("docs/", SwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("redoc/", RedocView.as_view(url_name="schema"), name="redoc"),
    re_path(r"^[\s\S]*$", not_found, name="not-found"),  # any path, one holding a newline too
]
