"""Bidding on a phone while an officer runs the loot, in a real Chromium driven by Playwright.

Runs where Debian's Chromium is installed (CI installs it); elsewhere it is skipped with the reason.
"""

from dkp.testing.browser import nav_link, needs_chromium

pytestmark = needs_chromium

ITEM = "Shimmering Velium Ring"


def sign_in_as(page, live_server, username):
    page.goto(live_server.url + "/sign-in/")
    page.locator(f'button.persona[data-username="{username}"]').click()
    page.wait_for_selector("header .who .badge")


def has_no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def open_test_auction():
    """A fresh auction in the Main pool with a rival's bid of 8 already in."""
    from dkp.accounts.models import User
    from dkp.loot.models import Channel
    from dkp.loot.selectors import available_balance
    from dkp.loot.services import open_auction, place_bid
    from dkp.points.models import DkpPool

    pool = DkpPool.objects.get(name="Main")
    officer = User.objects.get(username="zelroso")
    auction = open_auction(item=ITEM, pool=pool, actor=officer, minutes=30)
    rival = next(
        user
        for user in User.objects.filter(role_group="member").exclude(username="loradino").order_by("username")
        if available_balance(user_id=user.pk, pool_id=pool.pk, excluding_auction_id=auction.pk) >= 8
    )
    place_bid(auction_id=auction.pk, user=rival, amount=8, channel=Channel.WEB, tag="main")
    return auction, rival


def test_a_member_bids_and_raises_while_an_officer_closes_the_auction_and_the_page_shows_the_win(
    page, live_server, demo_guild
):
    from dkp.loot.models import BidHistory, ItemBid, LootDistribution

    auction, rival = open_test_auction()

    sign_in_as(page, live_server, "loradino")
    nav_link(page, "Auctions").click()
    page.wait_for_selector("ul.auction-list.open")
    assert has_no_sideways_scroll(page)
    page.locator("ul.auction-list.open a.item", has_text=ITEM).click()
    page.wait_for_selector("form.bid-form")
    assert has_no_sideways_scroll(page)
    available = int(page.locator("[data-available]").get_attribute("data-available"))
    assert available >= 15

    page.fill("form.bid-form input[name=amount]", "10")
    page.get_by_role("button", name="Place bid").click()
    page.wait_for_selector("#bid-panel .notice:has-text('Your bid of 10 is in.')")
    assert page.locator("[data-my-bid]").inner_text() == "10"

    page.fill("form.bid-form input[name=amount]", "15")
    page.get_by_role("button", name="Change bid").click()
    page.wait_for_selector("#bid-panel .notice:has-text('Your bid of 15 is in.')")
    assert page.locator("[data-my-bid]").inner_text() == "15"
    assert has_no_sideways_scroll(page)
    mine = ItemBid.objects.get(auction=auction, user__username="loradino")
    assert (mine.amount, mine.status) == (15, "live")
    assert list(BidHistory.objects.filter(bid=mine).order_by("pk").values_list("action", "amount", "channel")) == [
        ("placed", 10, "web"),
        ("raised", 15, "web"),
    ]

    page.evaluate("window.stillTheSamePage = true")  # gone if the page reloads: the update must come by polling

    officer_context = page.context.browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        officer = officer_context.new_page()
        sign_in_as(officer, live_server, "zelroso")
        officer.goto(live_server.url + "/officer/loot/")
        card = officer.locator("article.auction-card", has_text=ITEM).first
        card.get_by_role("button", name="Close now").click()
        officer.wait_for_load_state()
    finally:
        officer_context.close()

    award = LootDistribution.objects.get(auction=auction)
    assert (award.user.username, award.price) == ("loradino", 9)  # second price: the rival's 8 plus 1
    assert ItemBid.objects.get(auction=auction, user=rival).status == "lost"

    page.wait_for_selector("#auction-live .won", timeout=10_000)
    assert page.evaluate("window.stillTheSamePage === true")
    won = page.locator("#auction-live .won").inner_text()
    assert f"You won {ITEM} for 9 points" in won
    assert "Bidding is closed." in page.locator("#bid-panel").inner_text()
    assert page.locator("form.bid-form").count() == 0
    assert page.locator("ul.winners .price").first.inner_text() == "9"
    assert page.locator("#auction-live").get_attribute("hx-trigger") is None  # polling has stopped
    assert has_no_sideways_scroll(page)
