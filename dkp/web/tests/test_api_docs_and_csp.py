"""The API docs follow the API_DOCS_PUBLIC setting, and every page is built for the Content-Security-Policy.

The policy (config/settings/base.py) allows scripts and styles from our own files only, so a template
with an inline <script>, <style>, style="…" or on…="…" handler would break under it; the last test
reads every template to keep it that way. The browser test (test_browser_csp.py) proves the pages
really run under it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from dkp.accounts.keys import create_api_key

DOCS_PAGES = ["/api/docs/", "/api/redoc/"]


def test_by_default_anonymous_visitors_read_the_schema_and_the_docs(db, client):
    assert client.get("/api/schema/").status_code == 200
    for path in DOCS_PAGES:
        assert client.get(path).status_code == 200, path
    script = client.get("/api/docs/?script=")  # Swagger UI's start-up script, a file of its own
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()


def test_members_only_docs_turn_anonymous_visitors_away(db, client, settings):
    settings.API_DOCS_PUBLIC = False
    schema = client.get("/api/schema/", headers={"Accept": "application/json"})
    assert schema.status_code == 401
    assert schema.json() == {
        "error": "not_authenticated",
        "detail": "The API schema is for signed-in members: sign in, or send your API key.",
    }
    for path in DOCS_PAGES:
        page = client.get(path)
        assert page.status_code == 302, path
        assert page["Location"] == f"/sign-in/?next={path}"


def test_members_only_docs_open_to_a_signed_in_member_and_an_api_key(guild, client, settings):
    settings.API_DOCS_PUBLIC = False
    client.force_login(guild.good_member)
    assert client.get("/api/schema/").status_code == 200
    for path in DOCS_PAGES:
        assert client.get(path).status_code == 200, path

    _, secret = create_api_key(owner=guild.officer, name="docs", scopes=["read"], expires_at=None, actor=guild.officer)
    client.logout()
    assert client.get("/api/schema/", headers={"Authorization": f"Bearer {secret}"}).status_code == 200


def directives(policy: str) -> dict[str, str]:
    """A Content-Security-Policy header as directive -> sources (django-csp writes them in any order)."""
    pairs = (part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    return {pair[0]: pair[1] if len(pair) > 1 else "" for pair in pairs}


def test_every_page_carries_the_policy_and_only_redoc_widens_it(guild, client):
    client.force_login(guild.good_member)
    standings = client.get("/")["Content-Security-Policy"]
    assert directives(standings)["script-src"] == "'self'"
    assert directives(standings)["style-src"] == "'self'"
    assert "unsafe" not in standings
    assert "unsafe" not in client.get("/api/docs/")["Content-Security-Policy"]
    redoc = directives(client.get("/api/redoc/")["Content-Security-Policy"])
    # Redoc writes its own <style> elements and searches in a blob: worker; scripts stay our own.
    assert redoc["style-src"] == "'self' 'unsafe-inline'"
    assert redoc["worker-src"] == "'self' blob:"
    assert redoc["script-src"] == "'self'"


@pytest.mark.parametrize("path", DOCS_PAGES)
def test_docs_pages_load_nothing_from_the_internet_and_run_no_inline_code(db, client, path):
    page = client.get(path).content.decode()
    assert "googleapis" not in page
    assert "https://" not in page
    scripts = re.findall(r"<script\b[^>]*>", page)
    assert scripts
    assert all(" src=" in tag for tag in scripts), scripts
    assert "<style" not in page


INLINE_CODE = [
    (re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.IGNORECASE), "inline <script>"),
    (re.compile(r"<style\b", re.IGNORECASE), "inline <style>"),
    (re.compile(r"\sstyle=[\"']", re.IGNORECASE), "style attribute"),
    (re.compile(r"\son[a-z]+=[\"']", re.IGNORECASE), "inline event handler"),
    (re.compile(r"\bhx-on\b|hx-trigger=\"[^\"]*\[", re.IGNORECASE), "htmx code (hx-on, trigger filter)"),
    (re.compile(r"javascript:", re.IGNORECASE), "javascript: URL"),
]


def test_no_template_holds_inline_code_the_policy_would_block():
    root = Path(django_settings.BASE_DIR) / "dkp"
    found = [
        f"{template.relative_to(root)}: {what}"
        for template in sorted(root.glob("*/templates/**/*.html"))
        for pattern, what in INLINE_CODE
        if pattern.search(template.read_text())
    ]
    assert found == []
