"""Names written the same way everywhere: character, item and member links, and form-only pages."""

from django.contrib.messages.storage.fallback import FallbackStorage
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from dkp.core.http import form_post
from dkp.core.models import GuildSettings
from dkp.loot.services import item_named


def render(text: str, **context: object) -> str:
    return Template("{% load guild_links %}" + text).render(Context(context))


def test_a_character_name_links_to_its_page_and_is_escaped(db):
    assert render("{% character_link name %}", name="Gwendolyn") == (
        '<a class="character" href="/characters/Gwendolyn/">Gwendolyn</a>'
    )
    assert "&lt;b&gt;" in render("{% character_link name %}", name="<b>")
    assert render("{% character_link name %}", name="") == ""


def test_an_item_links_to_its_page_and_to_the_guild_item_database(db):
    settings = GuildSettings.load()
    settings.item_link_template = "https://items.example/{id}?n={name}"
    settings.save()
    item = item_named("Cloak of Flames")
    item.eq_item_id = 1234
    item.save()
    html = render("{% item_link item %}", item=item)
    assert f'href="/items/{item.pk}/">Cloak of Flames</a>' in html
    assert 'href="https://items.example/1234?n=Cloak%20of%20Flames"' in html
    item.eq_item_id = None
    assert "items.example" not in render("{% item_link item %}", item=item)


def test_the_character_page_shows_owner_and_class(client, guild):
    client.force_login(guild.good_member)
    page = client.get(reverse("web:character", args=["gwendolyn"]))
    assert page.status_code == 200
    assert "Gwendolyn" in page.text
    assert f'href="/members/{guild.good_member.username}/"' in page.text
    assert client.get(reverse("web:character", args=["Nobodyhere"])).status_code == 404


def test_a_form_only_page_opened_by_address_sends_the_person_back_to_the_form(db):
    @form_post(back="web:raid")
    def confirm(request, raid_id):
        raise AssertionError("a GET must not run the form's work")

    factory = RequestFactory()
    request = factory.get("/raids/7/confirm/")
    request.session = {}
    request._messages = FallbackStorage(request)
    answer = confirm(request, raid_id=7)
    assert answer.status_code == 302
    assert answer["Location"] == "/raids/7/"
    assert "opened again" in str(next(iter(request._messages)))
    assert confirm(factory.put("/raids/7/confirm/"), raid_id=7).status_code == 405
