from django.contrib import admin
from django.urls import include, path

# A database fault that escapes every view (a middleware, the session) is still a 503, not a 500.
handler500 = "dkp.core.faults.server_error"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("config.api_urls")),
    path("accounts/", include("allauth.urls")),
    path("officer/loot/", include("dkp.loot.urls_officer")),
    path("officer/points/", include("dkp.points.urls")),
    path("officer/", include("dkp.raids.urls")),
    path("officer/", include("dkp.web.officer.urls")),
    path("auctions/", include("dkp.loot.urls")),
    path("missed-ticks/", include("dkp.raids.urls_missed")),
    path("applications/", include("dkp.recruitment.urls")),
    path("", include("dkp.web.urls")),
]
