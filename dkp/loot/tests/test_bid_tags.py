"""A bid's tag follows its character: a box bids as a box, unless its pool lets alts and boxes bid as main.

The case that started it: a box bid of 50 sent as "main" won an auction whose box cap was 5 and whose
mains outrank alts. The bid service refuses it at every door (the bot's side is in
``dkp/bot/tests/test_bot_auctions.py``); the page's "As" follows the character.

Balances from the personas: Gwen holds 90 points and Dev 100 in the pool "Main".
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from dkp.accounts.keys import create_api_key
from dkp.accounts.models import User
from dkp.characters.models import Character, CharacterTag
from dkp.core.errors import InvalidInput
from dkp.loot import services
from dkp.loot.models import Auction, BidHistory, ItemBid, LootDistribution
from dkp.points import pools
from dkp.points.models import DkpPool
from dkp.testing.api_client import error_body
from dkp.testing.browser import skip_without_chromium
from dkp.testing.personas import Guild, make_character

REFUSED = "Gwenbox is your box character, so this is a box bid: this pool does not let alts and boxes bid as main."


def box_for(user: User, name: str = "Gwenbox") -> Character:
    character = make_character(name, user)
    Character.objects.filter(pk=character.pk).update(tag=CharacterTag.BOX)
    return Character.objects.get(pk=character.pk)


def strict_pool(guild: Guild, *, main_bids_from_alts: bool = False) -> DkpPool:
    """The pool of the report: boxes capped at 5, mains outrank alts and boxes."""
    return pools.update_pool(
        pool=guild.pool,
        actor=guild.officer,
        tag_caps={"box": 5},
        mains_outrank=True,
        main_bids_from_alts=main_bids_from_alts,
    )


def open_in(pool: DkpPool, guild: Guild) -> Auction:
    return services.open_auction(item="Cloak of Flames", pool=pool, actor=guild.officer, minutes=30)


def key_client(user: User) -> APIClient:
    _, secret = create_api_key(owner=user, name="script", scopes=["bid"], expires_at=None, actor=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def rejections(auction: Auction, user: User) -> list[str]:
    return list(
        BidHistory.objects.filter(auction=auction, user=user, action="rejected").values_list("reason", flat=True)
    )


# --- the service: every door's rule -----------------------------------------------------------------


def test_the_reported_box_bid_as_main_is_refused_and_cannot_win(guild: Guild) -> None:
    box_for(guild.good_member)
    auction = open_in(strict_pool(guild), guild)
    with pytest.raises(InvalidInput, match=re.escape(REFUSED)) as refused:
        services.place_bid(
            auction_id=auction.pk,
            user=guild.good_member,
            amount=50,
            channel="web",
            tag="main",
            character_name="Gwenbox",
        )
    assert refused.value.code == "tag_not_character"
    # as what it is, a box bid, 50 is over the box cap
    with pytest.raises(InvalidInput, match=re.escape("A box bid can be at most 5 on this auction.")):
        services.place_bid(
            auction_id=auction.pk, user=guild.good_member, amount=50, channel="web", character_name="Gwenbox"
        )
    services.place_bid(auction_id=auction.pk, user=guild.good_member, amount=5, channel="web", character_name="Gwenbox")
    services.place_bid(auction_id=auction.pk, user=guild.developer, amount=3, channel="web")
    services.close_auction(auction_id=auction.pk, actor=guild.officer, early=True)
    assert LootDistribution.objects.get(auction=auction).user == guild.developer  # the main outranks the box


def test_a_main_characters_bid_cannot_be_tagged_alt_either(guild: Guild) -> None:
    auction = open_in(guild.pool, guild)
    with pytest.raises(
        InvalidInput, match=re.escape("Gwendolyn is your main character, so this is a main bid, not alt.")
    ):
        services.place_bid(auction_id=auction.pk, user=guild.good_member, amount=5, channel="api", tag="alt")
    assert not ItemBid.objects.exists()


def test_a_box_bids_as_main_when_the_pool_allows_it_and_the_auction_keeps_the_rule_it_opened_with(
    guild: Guild,
) -> None:
    box_for(guild.good_member)
    pool = strict_pool(guild, main_bids_from_alts=True)
    auction = open_in(pool, guild)
    assert auction.rules["main_bids_from_alts"] is True
    pool = pools.update_pool(pool=pool, actor=guild.officer, main_bids_from_alts=False)  # changed mid-auction
    placed = services.place_bid(
        auction_id=auction.pk, user=guild.good_member, amount=50, channel="web", tag="main", character_name="Gwenbox"
    )
    assert (placed.character_name, placed.tag, placed.amount) == ("Gwenbox", "main", 50)
    later = open_in(pool, guild)
    with pytest.raises(InvalidInput, match=re.escape(REFUSED)):
        services.place_bid(
            auction_id=later.pk, user=guild.good_member, amount=5, channel="web", tag="main", character_name="Gwenbox"
        )


def test_pools_default_to_no_main_bids_from_alts(guild: Guild) -> None:
    assert guild.pool.main_bids_from_alts is False
    assert open_in(guild.pool, guild).rules["main_bids_from_alts"] is False


# --- the API -------------------------------------------------------------------------------------


def test_the_api_refuses_main_for_a_box_and_records_why(guild: Guild) -> None:
    box_for(guild.good_member)
    auction = open_in(strict_pool(guild), guild)
    response = key_client(guild.good_member).post(
        reverse("api:auction-bid", kwargs={"pk": auction.pk}),
        {"amount": 50, "tag": "main", "character_name": "Gwenbox"},
        format="json",
    )
    assert response.status_code == 422
    assert error_body(response) == {"error": "tag_not_character", "detail": REFUSED}
    assert not ItemBid.objects.exists()
    assert rejections(auction, guild.good_member) == [REFUSED]


def test_the_api_without_a_tag_uses_the_characters(guild: Guild) -> None:
    box_for(guild.good_member)
    auction = open_in(strict_pool(guild), guild)
    response = key_client(guild.good_member).post(
        reverse("api:auction-bid", kwargs={"pk": auction.pk}), {"amount": 4, "character_name": "Gwenbox"}, format="json"
    )
    assert response.status_code == 201
    assert (response.json()["tag"], response.json()["character_name"]) == ("box", "Gwenbox")


def test_the_api_accepts_main_for_a_box_where_the_pool_allows_it(guild: Guild) -> None:
    box_for(guild.good_member)
    auction = open_in(strict_pool(guild, main_bids_from_alts=True), guild)
    response = key_client(guild.good_member).post(
        reverse("api:auction-bid", kwargs={"pk": auction.pk}),
        {"amount": 50, "tag": "main", "character_name": "Gwenbox"},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["tag"] == "main"
    detail = key_client(guild.good_member).get(reverse("api:auction-detail", kwargs={"pk": auction.pk}))
    assert detail.json()["rules"]["main_bids_from_alts"] is True


def test_officers_set_the_pool_rule_through_the_api(guild: Guild) -> None:
    client = APIClient()
    client.force_authenticate(guild.officer)
    response = client.patch(
        reverse("api:pool-detail", kwargs={"pk": guild.pool.pk}), {"main_bids_from_alts": True}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["main_bids_from_alts"] is True
    assert DkpPool.objects.get(pk=guild.pool.pk).main_bids_from_alts is True


# --- the page ------------------------------------------------------------------------------------


def test_the_page_refuses_main_for_a_box_and_keeps_the_form(client: Client, guild: Guild) -> None:
    box_for(guild.good_member)
    auction = open_in(strict_pool(guild), guild)
    client.force_login(guild.good_member)
    page = client.post(
        reverse("loot:bid", args=[auction.pk]), {"amount": "50", "tag": "main", "character_name": "Gwenbox"}
    )
    assert page.status_code == 422
    assert "Gwenbox is your box character, so this is a box bid" in page.text
    assert not ItemBid.objects.exists()
    assert rejections(auction, guild.good_member) == [REFUSED]


def test_the_pages_as_follows_the_character_and_is_not_editable_by_default(client: Client, guild: Guild) -> None:
    box_for(guild.good_member)
    auction = open_in(strict_pool(guild), guild)
    client.force_login(guild.good_member)
    page = client.get(reverse("loot:detail", args=[auction.pk]))
    assert '<select name="tag" aria-describedby="bid-as-hint" disabled data-follows-character>' in page.text
    assert "A bid is tagged as its character is (main, alt or box)." in page.text
    # the select sends nothing: the bid of the chosen box is a box bid
    placed = client.post(reverse("loot:bid", args=[auction.pk]), {"amount": "5", "character_name": "Gwenbox"})
    assert placed.status_code == 302
    assert ItemBid.objects.get().tag == "box"
    # the form shown again starts from that bid: the box, as a box
    again = client.get(reverse("loot:detail", args=[auction.pk]))
    assert '<option value="box" selected>Box</option>' in again.text


def test_where_the_pool_allows_it_the_page_offers_main_beside_the_characters_own_tag(
    client: Client, guild: Guild
) -> None:
    box_for(guild.good_member)
    auction = open_in(strict_pool(guild, main_bids_from_alts=True), guild)
    client.force_login(guild.good_member)
    first = client.post(reverse("loot:bid", args=[auction.pk]), {"amount": "5", "character_name": "Gwenbox"})
    assert first.status_code == 302
    page = client.get(reverse("loot:detail", args=[auction.pk]))
    assert '<select name="tag" aria-describedby="bid-as-hint">' in page.text
    assert '<option value="main">Main</option>' in page.text
    assert '<option value="alt" disabled>Alt</option>' in page.text
    assert '<option value="box" selected>Box</option>' in page.text
    assert "this pool lets an alt or box bid as main" in page.text
    placed = client.post(
        reverse("loot:bid", args=[auction.pk]), {"amount": "50", "tag": "main", "character_name": "Gwenbox"}
    )
    assert placed.status_code == 302
    assert (ItemBid.objects.get().tag, ItemBid.objects.get().amount) == ("main", 50)


# --- in a browser --------------------------------------------------------------------------------


@pytest.mark.browser
@skip_without_chromium
def test_in_a_browser_as_follows_the_character_and_a_forced_main_is_refused(
    page, live_server, transactional_db
) -> None:
    from dkp.testing.personas import build_guild

    guild = build_guild()
    box_for(guild.good_member)
    auction = open_in(strict_pool(guild), guild)
    page.context.add_cookies([session_cookie(guild.good_member, live_server.url)])
    page.goto(live_server.url + reverse("loot:detail", args=[auction.pk]))
    tag = page.locator('form.bid-form select[name="tag"]')
    assert tag.input_value() == "main"  # Gwendolyn, her main, comes first
    page.locator('form.bid-form select[name="character_name"]').select_option("Gwenbox")
    assert tag.input_value() == "box"
    assert tag.is_disabled()
    # a member who takes the lock off the form by hand still cannot bid as main
    tag.evaluate("select => { select.disabled = false; select.querySelector('option[value=main]').disabled = false; }")
    tag.select_option("main")
    page.fill("form.bid-form input[name=amount]", "50")
    page.get_by_role("button", name="Place bid").click()
    page.wait_for_selector("#bid-panel .error-box")
    assert page.locator("#bid-panel .error-box").inner_text() == REFUSED
    assert not ItemBid.objects.exists()
    page.fill("form.bid-form input[name=amount]", "5")
    page.get_by_role("button", name="Place bid").click()
    page.wait_for_selector("#bid-panel .notice:has-text('Your bid of 5 is in.')")
    assert (ItemBid.objects.get().character_name, ItemBid.objects.get().tag) == ("Gwenbox", "box")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def session_cookie(user: User, url: str) -> dict[str, str]:
    client = Client()
    client.force_login(user)
    return {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": url}
