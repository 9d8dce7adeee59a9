"""Characters on the web: the list's Claim buttons, a character's page, the officers' claims queue and
the quick assign after a raid night, as the personas see them."""

import datetime as dt

import pytest
from django.urls import reverse

from dkp.characters.models import Character, CharacterClaimRequest, ClaimStatus, EqClass
from dkp.characters.services import request_claim
from dkp.core.models import GuildSettings
from dkp.loot.services import award_loot, item_named
from dkp.points.models import UserPointsSummary
from dkp.raids.models import RaidAttendance
from dkp.raids.ownership import approve_claim
from dkp.raids.services import Attendee, create_raid, record_tick
from dkp.testing.personas import TICK_VALUE, make_character, make_user

pytestmark = pytest.mark.django_db


def balance(user, pool):
    summary = UserPointsSummary.objects.filter(user=user, pool=pool).first()
    return summary.balance if summary else 0


def night_with(guild, *names, ticks=2, value=TICK_VALUE):
    """A new raid night of the guild's event whose ticks saw these characters (new ones arrive unowned)."""
    raid = create_raid(event=guild.event, starts_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=5), actor=None)
    for index in range(ticks):
        record_tick(
            raid=raid,
            occurred_at=raid.starts_at + dt.timedelta(minutes=30 * (index + 1)),
            attendees=[Attendee(name, "Monk", 60) for name in names],
            value=value,
            description=f"pull {index + 1}",
            actor=None,
        )
    return raid


# The character list -------------------------------------------------------------------------------


def test_the_list_links_every_name_and_offers_claim_on_unclaimed_characters_only(client, guild):
    night_with(guild, "Gwendolyn", "Wanderer")
    client.force_login(guild.poor_member)
    page = client.get(reverse("web:characters"))
    html = page.text
    assert '<a class="character" href="/characters/Wanderer/">Wanderer</a>' in html
    assert '<a class="member" href="/members/gwen/">' in html
    assert 'action="/characters/Wanderer/claim/"' in html
    assert 'action="/characters/Gwendolyn/claim/"' not in html  # Gwen's: no Claim button


def test_the_list_keeps_its_filters_across_pages(client, guild):
    Character.objects.bulk_create(
        Character(name=f"Stray{chr(97 + i // 26)}{chr(97 + i % 26)}", eq_class="Monk", level=60) for i in range(105)
    )
    client.force_login(guild.poor_member)
    page = client.get(reverse("web:characters"), {"unclaimed": "1", "class": "Monk"})
    assert "page 1 of 2" in page.text
    assert 'href="?unclaimed=1&amp;class=Monk&amp;page=2"' in page.text
    second = client.get(reverse("web:characters"), {"unclaimed": "1", "class": "Monk", "page": "2"})
    assert "Straydz" in second.text
    assert "Gwendolyn" not in second.text


def test_a_guest_sees_the_list_without_claim_buttons(client, guild):
    GuildSettings.objects.update_or_create(pk=1, defaults={"standings_public": True})
    make_character("Wanderer")
    client.force_login(guild.guest)
    page = client.get(reverse("web:characters"))
    assert page.status_code == 200
    assert "Wanderer" in page.text
    assert "/claim/" not in page.text


def test_claiming_from_the_list_comes_back_to_the_list_with_its_filters_and_the_waiting_points(client, guild):
    night_with(guild, "Wanderer", ticks=3)
    client.force_login(guild.poor_member)
    back = reverse("web:characters") + "?unclaimed=1"
    answer = client.post(reverse("web:character_claim", args=["Wanderer"]), {"next": back}, follow=True)
    assert answer.redirect_chain[-1][0] == back
    assert (
        f"You asked to claim Wanderer. An officer will decide; its 3 waiting ticks (up to {3 * TICK_VALUE} points)"
        in (answer.text)
    )
    assert "claim asked" in answer.text
    claim = CharacterClaimRequest.objects.get(character__name="Wanderer")
    assert (claim.requester, claim.status) == (guild.poor_member, ClaimStatus.PENDING)


def test_a_guest_may_not_claim(client, guild):
    make_character("Wanderer")
    client.force_login(guild.guest)
    answer = client.post(reverse("web:character_claim", args=["Wanderer"]))
    assert answer.status_code == 403
    assert "A guest may not bid, claim characters and request missed ticks." in answer.text
    assert not CharacterClaimRequest.objects.exists()


def test_claiming_your_own_character_is_refused_with_a_message(client, guild):
    client.force_login(guild.good_member)
    answer = client.post(reverse("web:character_claim", args=["Gwendolyn"]))
    assert answer.status_code == 422
    assert "Gwendolyn is already yours." in answer.text
    assert not CharacterClaimRequest.objects.exists()


def test_asking_twice_is_refused_with_a_message(client, guild):
    make_character("Wanderer")
    client.force_login(guild.poor_member)
    client.post(reverse("web:character_claim", args=["Wanderer"]))
    answer = client.post(reverse("web:character_claim", args=["Wanderer"]))
    assert answer.status_code == 409
    assert "You already asked to claim Wanderer" in answer.text
    assert CharacterClaimRequest.objects.count() == 1


def test_opening_the_claim_address_sends_you_back_to_the_character(client, guild):
    make_character("Wanderer")
    client.force_login(guild.poor_member)
    answer = client.get(reverse("web:character_claim", args=["Wanderer"]))
    assert answer.status_code == 302
    assert answer["Location"] == reverse("web:character", args=["Wanderer"])


def test_claiming_an_unknown_character_is_a_404(client, guild):
    client.force_login(guild.poor_member)
    assert client.post(reverse("web:character_claim", args=["Nobodyhere"])).status_code == 404


# The character page -------------------------------------------------------------------------------


def test_the_character_page_shows_owner_history_attendance_and_loot(client, guild):
    gwenbox = make_character("Gwenbox", guild.good_member, EqClass.SHAMAN, 62)
    night_with(guild, "Gwenbox", ticks=1)
    award_loot(
        item=item_named("Fungus Covered Scale Tunic"),
        pool=guild.pool,
        winner=guild.good_member,
        character_name="Gwenbox",
        price=25,
        actor=guild.officer,
    )
    client.force_login(guild.poor_member)
    page = client.get(reverse("web:character", args=["gwenbox"]))
    html = page.text
    assert page.status_code == 200
    assert "Shaman" in html
    assert ">62<" in html
    assert '<a class="member" href="/members/gwen/">' in html
    assert "test setup" in html  # the ownership row's reason
    assert "pull 1" in html  # its tick, linked to the raid
    assert '">Fungus Covered Scale Tunic</a>' in html
    assert ">25<" in html
    assert "/claim/" not in html  # someone else's, not offered
    assert gwenbox.owner == guild.good_member


def test_an_unclaimed_characters_page_shows_what_waits_and_the_claim_form(client, guild):
    night_with(guild, "Wanderer", ticks=2)
    client.force_login(guild.poor_member)
    html = client.get(reverse("web:character", args=["Wanderer"])).text
    assert f"2 ticks, up to {2 * TICK_VALUE} points" in html
    assert "waiting for an owner" in html
    assert "Claim Wanderer" in html
    client.post(reverse("web:character_claim", args=["Wanderer"]), {"note": "my monk"})
    html = client.get(reverse("web:character", args=["Wanderer"])).text
    assert "You asked to claim Wanderer; an officer will decide." in html
    assert "Claim Wanderer</button>" not in html


def test_an_officer_sees_the_claims_waiting_on_a_character(client, guild):
    wanderer = make_character("Wanderer")
    request_claim(character=wanderer, requester=guild.poor_member, note="my monk")
    client.force_login(guild.officer)
    html = client.get(reverse("web:character", args=["Wanderer"])).text
    assert "Claims waiting" in html
    assert "my monk" in html
    assert reverse("web:claims") in html


# The character page's query count, flat as its history grows, is pinned in test_query_counts.py.


# The claims queue ---------------------------------------------------------------------------------


def test_a_member_may_not_open_the_claims_queue(client, guild):
    client.force_login(guild.good_member)
    answer = client.get(reverse("web:claims"))
    assert answer.status_code == 403
    assert "A member may not manage raids" in answer.text


def test_a_member_may_not_approve_a_claim(client, guild):
    claim = request_claim(character=make_character("Wanderer"), requester=guild.poor_member)
    client.force_login(guild.good_member)
    assert client.post(reverse("web:claim_approve", args=[claim.pk])).status_code == 403
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PENDING


def test_approving_from_the_queue_credits_the_waiting_points_at_once_and_says_how_many(client, guild):
    night_with(guild, "Wanderer", ticks=3, value=15)
    claim = request_claim(character=Character.objects.get(name="Wanderer"), requester=guild.poor_member, note="my monk")
    before = balance(guild.poor_member, guild.pool)
    client.force_login(guild.officer)
    queue = client.get(reverse("web:claims")).text
    assert "my monk" in queue
    assert "3 ticks, up to 45 points" in queue
    answer = client.post(reverse("web:claim_approve", args=[claim.pk]), {"reason": "seen him"}, follow=True)
    assert "Pip now owns Wanderer: 3 waiting ticks credited, 45 points." in answer.text
    assert balance(guild.poor_member, guild.pool) == before + 45
    assert not RaidAttendance.objects.filter(character__name="Wanderer", user__isnull=True).exists()
    assert "Nothing waiting." in answer.text


def test_denying_needs_a_reason_and_says_so_on_the_queue(client, guild):
    claim = request_claim(character=make_character("Wanderer"), requester=guild.poor_member)
    client.force_login(guild.officer)
    answer = client.post(reverse("web:claim_deny", args=[claim.pk]), {"reason": "  "})
    assert answer.status_code == 422
    assert "Say why the claim is denied." in answer.text
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PENDING
    answer = client.post(reverse("web:claim_deny", args=[claim.pk]), {"reason": "that is Gwen's box"}, follow=True)
    assert "Denied Pip&#x27;s claim on Wanderer." in answer.text
    claim.refresh_from_db()
    assert (claim.status, claim.decision_reason) == (ClaimStatus.DENIED, "that is Gwen's box")


def test_approving_a_decided_claim_again_is_a_conflict_with_a_message(client, guild):
    claim = request_claim(character=make_character("Wanderer"), requester=guild.poor_member)
    approve_claim(claim=claim, actor=guild.officer)
    client.force_login(guild.officer)
    answer = client.post(reverse("web:claim_approve", args=[claim.pk]))
    assert answer.status_code == 409
    assert "This claim was already approved." in answer.text


def test_reloading_an_approval_lands_on_the_queue(client, guild):
    claim = request_claim(character=make_character("Wanderer"), requester=guild.poor_member)
    client.force_login(guild.officer)
    answer = client.get(reverse("web:claim_approve", args=[claim.pk]))
    assert (answer.status_code, answer["Location"]) == (302, reverse("web:claims"))


# Quick assign -------------------------------------------------------------------------------------


def test_the_raid_page_tells_an_officer_how_many_characters_wait_for_owners(client, guild):
    raid = night_with(guild, "Gwendolyn", "Wanderer", "Strayling")
    client.force_login(guild.officer)
    html = client.get(reverse("web:raid", args=[raid.pk])).text
    assert "2 characters wait for owners" in html
    assert f"{reverse('web:quick_assign')}?raid={raid.pk}" in html
    client.force_login(guild.good_member)
    assert "wait for owners" not in client.get(reverse("web:raid", args=[raid.pk])).text


def test_a_raid_with_every_character_owned_shows_no_notice(client, guild):
    client.force_login(guild.officer)
    assert "wait for owners" not in client.get(reverse("web:raid", args=[guild.raid.pk])).text


def test_quick_assign_gives_each_picked_character_its_owner_and_its_waiting_points(client, guild):
    raid = night_with(guild, "Gwendolyn", "Wanderer", "Strayling", "Lostling", ticks=2)
    ids = dict(Character.objects.filter(name__in=["Wanderer", "Strayling", "Lostling"]).values_list("name", "pk"))
    pip_before, gwen_before = balance(guild.poor_member, guild.pool), balance(guild.good_member, guild.pool)
    client.force_login(guild.officer)
    form = client.get(reverse("web:quick_assign"), {"raid": raid.pk}).text
    assert all(f'name="owner-{pk}"' in form for pk in ids.values())
    answer = client.post(
        reverse("web:quick_assign") + f"?raid={raid.pk}",
        {
            f"owner-{ids['Wanderer']}": guild.poor_member.pk,
            f"owner-{ids['Strayling']}": guild.good_member.pk,
            f"owner-{ids['Lostling']}": "",
        },
        follow=True,
    )
    assert answer.redirect_chain[-1][0] == reverse("web:raid", args=[raid.pk])
    assert "2 characters now have owners, 20 points credited" in answer.text
    # Pip was not at the night: both ticks are new to him. Gwen was, so Strayling adds nothing for her.
    assert balance(guild.poor_member, guild.pool) == pip_before + 2 * TICK_VALUE
    assert balance(guild.good_member, guild.pool) == gwen_before
    assert Character.objects.get(name="Wanderer").owner == guild.poor_member
    assert Character.objects.get(name="Lostling").owner is None
    assert "1 character waits for an owner" in answer.text


def test_quick_assign_with_one_owned_character_assigns_none_and_says_which(client, guild):
    from dkp.raids.ownership import transfer_character

    raid = night_with(guild, "Wanderer", "Strayling")
    ids = dict(Character.objects.filter(name__in=["Wanderer", "Strayling"]).values_list("name", "pk"))
    client.force_login(guild.officer)
    form = {f"owner-{ids['Wanderer']}": guild.poor_member.pk, f"owner-{ids['Strayling']}": guild.poor_member.pk}
    # Another officer gives Strayling away while this form is open.
    transfer_character(
        character=Character.objects.get(name="Strayling"), to_user=guild.good_member, actor=None, reason=""
    )
    pip_before = balance(guild.poor_member, guild.pool)
    answer = client.post(reverse("web:quick_assign") + f"?raid={raid.pk}", form)
    assert answer.status_code == 409
    assert "Strayling already belongs to Gwen; nothing was assigned." in answer.text
    assert Character.objects.get(name="Wanderer").owner is None
    assert balance(guild.poor_member, guild.pool) == pip_before
    assert f'<option value="{guild.poor_member.pk}" selected>' in answer.text  # the picks stay


@pytest.mark.parametrize(
    ("member", "status", "message"),
    [
        ("999999", 400, "No member has the id 999999 (picked for Wanderer); reload the page."),
        ("2.5", 400, "must be a whole number"),
        ("guest", 422, "Gus is a guest and may not hold characters; pick a guild member for Wanderer."),
    ],
)
def test_quick_assign_refuses_a_member_who_is_not_one_and_changes_nothing(client, guild, member, status, message):
    night_with(guild, "Wanderer")
    wanderer = Character.objects.get(name="Wanderer")
    client.force_login(guild.officer)
    value = str(guild.guest.pk) if member == "guest" else member
    answer = client.post(reverse("web:quick_assign"), {f"owner-{wanderer.pk}": value})
    assert answer.status_code == status
    assert message in answer.text
    wanderer.refresh_from_db()
    assert wanderer.owner is None


def test_quick_assign_with_nothing_picked_says_so(client, guild):
    night_with(guild, "Wanderer")
    client.force_login(guild.officer)
    answer = client.post(reverse("web:quick_assign"), {})
    assert answer.status_code == 422
    assert "Pick an owner for at least one character." in answer.text


def test_quick_assign_is_for_officers_only(client, guild):
    client.force_login(guild.recruiter)
    assert client.get(reverse("web:quick_assign")).status_code == 403


def test_quick_assign_refuses_a_raid_id_that_is_not_one(client, guild):
    client.force_login(guild.officer)
    answer = client.get(reverse("web:quick_assign"), {"raid": "+5"})
    assert answer.status_code == 400


# Characters that might be yours -------------------------------------------------------------------


def test_a_members_own_page_offers_the_unclaimed_characters_seen_with_them_likeliest_first(client, guild):
    # Gwenbox is at both of Gwen's ticks and nowhere else; Stranger is also at a tick without her.
    night_with(guild, "Gwendolyn", "Gwenbox", ticks=2)
    night_with(guild, "Gwendolyn", "Stranger", ticks=1)
    night_with(guild, "Stranger", ticks=1)
    night_with(guild, "Faraway", ticks=1)
    client.force_login(guild.good_member)
    html = client.get(reverse("web:member", args=["gwen"])).text
    assert "Characters that might be yours" in html
    assert html.index("/characters/Gwenbox/") < html.index("/characters/Stranger/")
    assert "/characters/Faraway/" not in html
    assert "with you at 2 ticks" in html


def test_someone_elses_page_offers_nothing_to_claim(client, guild):
    night_with(guild, "Gwendolyn", "Gwenbox")
    client.force_login(guild.poor_member)
    assert "might be yours" not in client.get(reverse("web:member", args=["gwen"])).text
    newcomer = make_user("newbie")
    client.force_login(newcomer)
    assert "might be yours" not in client.get(reverse("web:member", args=["newbie"])).text
