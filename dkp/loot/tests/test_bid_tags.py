

# --- in a browser --------------------------------------------------------------------------------


@pytest.mark.browser
@skip_without_chromium
def test_in_a_browser_as_follows_the_character_and_a_forced_main_is_refused(page, live_server, transactional_db) -> None:
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
