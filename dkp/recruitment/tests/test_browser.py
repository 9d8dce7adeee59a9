"""Applying and voting in a real Chromium on a phone-sized screen, driven by Playwright.

Runs where Debian's Chromium is installed (CI installs it); elsewhere it is skipped with the reason.
"""

from dkp.testing.browser import nav_link, needs_chromium

pytestmark = needs_chromium


def sign_in_as(page, live_server, username):
    page.goto(live_server.url + "/sign-in/")
    page.locator(f'button.persona[data-username="{username}"]').click()
    page.wait_for_selector("header .who .badge")


def test_a_guest_applies_on_a_phone_and_becomes_an_applicant(page, live_server, demo_guild):
    from dkp.accounts.models import User
    from dkp.recruitment.models import GuildApplication

    sign_in_as(page, live_server, "wanderingbard")
    nav_link(page, "Apply").click()
    page.wait_for_selector("form.apply-form")
    page.fill("#id_character_name", "Lyriandel")
    page.select_option("#id_character_class", "Bard")
    page.fill("#id_character_level", "61")
    for answer in page.locator("form.apply-form textarea").all():
        answer.fill("Happy to help on raid nights.")
    page.get_by_role("button", name="Send application").click()
    page.wait_for_selector("h1:has-text('Your application')")
    assert "Submitted" in page.locator(".badge.stage").first.inner_text()
    assert "Lyriandel" in page.content()

    application = GuildApplication.objects.get(applicant__username="wanderingbard")
    assert (application.character_name, application.character_class, application.character_level) == (
        "Lyriandel",
        "Bard",
        61,
    )
    assert User.objects.get(username="wanderingbard").role_group == "applicant"
    assert nav_link(page, "My application").count() == 1


def test_an_eligible_member_votes_yes_and_sees_the_tally_change(page, live_server, demo_guild):
    from dkp.recruitment.models import ApplicationVote, GuildApplication

    application = GuildApplication.objects.get(applicant__username="iljax", status="voting")
    ApplicationVote.objects.filter(application=application, voter__username="loradino").delete()
    yes_before = ApplicationVote.objects.filter(application=application, choice="yes").count()

    sign_in_as(page, live_server, "loradino")
    nav_link(page, "Applications").click()
    page.locator("nav.stage-tabs a", has_text="Voting").click()
    page.locator("a.app-row", has_text=application.character_name).click()
    tally_yes = page.locator('[data-tally="yes"]')
    assert int(tally_yes.inner_text()) == yes_before

    page.get_by_role("button", name="Yes", exact=True).click()
    page.wait_for_selector("#vote .own-vote")  # the panel came back through htmx
    assert int(page.locator('[data-tally="yes"]').inner_text()) == yes_before + 1
    assert "Yes" in page.locator("#vote .own-vote").inner_text()
    assert ApplicationVote.objects.get(application=application, voter__username="loradino").choice == "yes"
