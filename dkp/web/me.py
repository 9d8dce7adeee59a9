"""``/me/``: your own member page, for links and forms that do not know your name (the API key forms)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse


def me(request: HttpRequest) -> HttpResponse:
    """Send a signed-in person to their member page, anyone else to sign in and then here."""
    if not request.user.is_authenticated:
        return redirect(f"{reverse('web:login')}?next={reverse('web:me')}")
    return redirect("web:member", username=request.user.get_username())
