"""The request type pages see (Django's, plus the ``htmx`` details django-htmx's middleware adds), and
how a form-only page answers a visit by address."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast

from django.contrib import messages
from django.http import HttpRequest, HttpResponseNotAllowed
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django_htmx.middleware import HtmxDetails

View = Callable[..., HttpResponseBase]
# The wrapped view keeps its own type, so a decorator above it that expects a view returning an
# ``HttpResponse`` still accepts it (the redirect and the 405 added here are ``HttpResponse``s too).
AnyView = TypeVar("AnyView", bound=View)


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def form_post(back: str) -> Callable[[AnyView], AnyView]:
    """A view that only takes a submitted form, sending anyone who opens it by address back to the form.

    Reloading or going back to the page a form led to asks for it with GET; instead of a bare 405 the
    person lands on ``back`` (a URL name, reversed with the view's own arguments when it takes them)
    with a message saying why. Other methods still get 405.
    """

    def decorate(view: AnyView) -> AnyView:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if request.method == "POST":
                return view(request, *args, **kwargs)
            if request.method not in ("GET", "HEAD"):
                return HttpResponseNotAllowed(["POST"])
            messages.info(request, "That page shows the answer to a form, so it was opened again from here.")
            try:
                target = reverse(back, kwargs=kwargs)
            except NoReverseMatch:
                target = reverse(back)
            return redirect(target)

        return cast(AnyView, wrapped)

    return decorate
