"""Missed-tick requests: a member asks for a tick the dump missed, an officer approves or denies."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from dkp.accounts.keys import create_api_key
from dkp.core.errors import Conflict, Forbidden, InvalidInput
from dkp.core.models import RequestStatus
from dkp.points.models import EntryKind, PointEntry, UserPointsSummary
from dkp.raids.missed import (
    approve_missed_tick,
    deny_missed_tick,
    may_ask_for_missed_tick,
    missed_ticks_of,
    pending_missed_ticks,
    request_missed_tick,
)
from dkp.raids.models import MissedTickRequest, RaidAttendance
from dkp.testing.personas import TICK_VALUE, Guild, make_character


def _balance(guild: Guild, user) -> int:
    return UserPointsSummary.objects.get(user=user, pool=guild.pool).balance


def _pips_request(guild: Guild, tick_index: int = 3) -> MissedTickRequest:
    pip = guild.poor_member
    assert pip.main_character is not None
    return request_missed_tick(
        tick=guild.ticks[tick_index],
        character=pip.main_character,
        evidence="[Thu Mar 06 21:14:02 2025] Pipperel has joined the raid.",
        requester=pip,
    )


# --- services ----------------------------------------------------------------------------------


def test_approved_request_credits_the_tick_once_dated_to_the_tick(guild):
    pip, tick = guild.poor_member, guild.ticks[3]
    before = _balance(guild, pip)
    approved = approve_missed_tick(request=_pips_request(guild), actor=guild.officer, reason="log checks out")

    assert approved.status == RequestStatus.APPROVED
    assert approved.decided_by == guild.officer
    assert approved.decision_reason == "log checks out"
    credits = PointEntry.objects.filter(user=pip, tick=tick, kind=EntryKind.ATTENDANCE)
    assert credits.count() == 1
    assert credits.get().occurred_at == tick.occurred_at
    assert credits.get().amount == TICK_VALUE
    assert credits.get().created_by == guild.officer
    assert _balance(guild, pip) == before + TICK_VALUE
    row = RaidAttendance.objects.get(tick=tick, character=pip.main_character)
    assert (row.user, row.character_name, row.character_class, row.character_level) == (pip, "Pipperel", "Rogue", 65)


def test_a_request_cannot_be_decided_twice_so_it_never_credits_twice(guild):
    pip = guild.poor_member
    missed = _pips_request(guild)
    approve_missed_tick(request=missed, actor=guild.officer)
    balance = _balance(guild, pip)
    with pytest.raises(Conflict) as refused:
        approve_missed_tick(request=missed, actor=guild.officer)
    assert refused.value.code == "request_decided"
    with pytest.raises(Conflict):
        deny_missed_tick(request=missed, actor=guild.officer, reason="changed my mind")
    assert _balance(guild, pip) == balance


def test_approval_queues_an_attendance_refresh_only_after_commit(guild, django_capture_on_commit_callbacks):
    missed = _pips_request(guild)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        approve_missed_tick(request=missed, actor=guild.officer)
    assert len(callbacks) == 1


def test_approval_after_the_character_was_added_by_hand_meanwhile_credits_nothing_more(guild):
    from dkp.raids.credits import credit_user

    pip, tick = guild.poor_member, guild.ticks[3]
    missed = _pips_request(guild)
    RaidAttendance.objects.create(
        tick=tick, character=pip.main_character, user=pip, character_name="Pipperel", character_class="Rogue"
    )
    credit_user(user=pip, tick=tick, character_name="Pipperel", actor=guild.officer)
    balance = _balance(guild, pip)

    approve_missed_tick(request=missed, actor=guild.officer)

    assert _balance(guild, pip) == balance
    assert RaidAttendance.objects.filter(tick=tick, character=pip.main_character).count() == 1
    assert PointEntry.objects.filter(user=pip, tick=tick).count() == 1


def test_denial_needs_a_reason_and_credits_nothing(guild):
    pip = guild.poor_member
    missed = _pips_request(guild)
    before = _balance(guild, pip)
    with pytest.raises(InvalidInput) as refused:
        deny_missed_tick(request=missed, actor=guild.officer, reason="   ")
    assert refused.value.code == "reason_required"
    missed.refresh_from_db()
    assert missed.status == RequestStatus.PENDING

    denied = deny_missed_tick(request=missed, actor=guild.officer, reason="You were in the bazaar.")
    assert denied.status == RequestStatus.DENIED
    assert denied.decision_reason == "You were in the bazaar."
    assert _balance(guild, pip) == before
    assert not RaidAttendance.objects.filter(tick=guild.ticks[3], user=pip).exists()


def test_asking_with_someone_elses_character_is_refused(guild):
    with pytest.raises(InvalidInput) as refused:
        request_missed_tick(
            tick=guild.ticks[3],
            character=guild.good_member.main_character,
            evidence="I was on Gwen's account",
            requester=guild.poor_member,
        )
    assert refused.value.code == "not_your_character"
    assert not MissedTickRequest.objects.exists()


def test_asking_for_a_tick_the_character_is_already_in_is_refused(guild):
    gwen = guild.good_member
    with pytest.raises(Conflict) as refused:
        request_missed_tick(tick=guild.ticks[3], character=gwen.main_character, evidence="there", requester=gwen)
    assert refused.value.code == "already_present"


def test_asking_with_an_alt_for_a_tick_already_credited_is_refused(guild):
    gwen = guild.good_member
    alt = make_character("Gwenalt", gwen, "Cleric")
    with pytest.raises(Conflict) as refused:
        request_missed_tick(tick=guild.ticks[3], character=alt, evidence="boxing", requester=gwen)
    assert refused.value.code == "already_credited"


def test_a_second_pending_request_for_the_same_tick_is_refused_until_the_first_is_decided(guild):
    first = _pips_request(guild)
    with pytest.raises(Conflict) as refused:
        _pips_request(guild)
    assert refused.value.code == "duplicate_request"
    assert "already asked" in refused.value.message
    deny_missed_tick(request=first, actor=guild.officer, reason="no log")
    assert _pips_request(guild).status == RequestStatus.PENDING  # may ask again with better evidence


def test_evidence_is_required(guild):
    pip = guild.poor_member
    with pytest.raises(InvalidInput) as refused:
        request_missed_tick(tick=guild.ticks[3], character=pip.main_character, evidence=" \n", requester=pip)
    assert refused.value.code == "evidence_required"


def test_a_member_cannot_approve_or_deny(guild):
    missed = _pips_request(guild)
    with pytest.raises(Forbidden):
        approve_missed_tick(request=missed, actor=guild.good_member)
    with pytest.raises(Forbidden):
        deny_missed_tick(request=missed, actor=guild.recruiter, reason="no")
    missed.refresh_from_db()
    assert missed.status == RequestStatus.PENDING


def test_an_applicant_cannot_ask(guild):
    applicant = guild.applicant
    character = make_character("Abeling", applicant, "Ranger")
    with pytest.raises(Forbidden):
        request_missed_tick(tick=guild.ticks[3], character=character, evidence="x", requester=applicant)


def test_whether_a_member_may_ask_is_decided_per_user_not_per_character(guild):
    gwen, pip = guild.good_member, guild.poor_member
    gwens_alt = RaidAttendance(user_id=gwen.pk, character_name="Gwenalt")
    pips_main = RaidAttendance(user_id=pip.pk, character_name="Pipperel")
    assert not may_ask_for_missed_tick(user=gwen, attendance=[pips_main, gwens_alt])
    assert may_ask_for_missed_tick(user=gwen, attendance=[pips_main])
    assert not may_ask_for_missed_tick(user=guild.applicant, attendance=[])


def test_queue_and_own_list_selectors(guild):
    mine = _pips_request(guild)
    other = _pips_request(guild, tick_index=4)
    deny_missed_tick(request=other, actor=guild.officer, reason="no")
    assert list(pending_missed_ticks()) == [mine]
    assert set(missed_ticks_of(user_id=guild.poor_member.pk)) == {mine, other}
    assert not missed_ticks_of(user_id=guild.good_member.pk).exists()


# --- pages -------------------------------------------------------------------------------------


def test_raid_page_offers_i_was_there_only_on_ticks_the_member_missed(client, guild):
    client.force_login(guild.poor_member)
    page = client.get(reverse("web:raid", args=[guild.raid.pk]))
    assert page.text.count("I was there") == len(guild.ticks) - 1  # Pip was only at the first tick
    assert reverse("missed:new", args=[guild.ticks[0].pk]) not in page.text
    assert reverse("missed:new", args=[guild.ticks[3].pk]) in page.text


def test_guests_see_no_i_was_there_link(client, guild):
    from dkp.core.models import GuildSettings

    GuildSettings.objects.update_or_create(pk=1, defaults={"standings_public": True})
    client.force_login(guild.guest)
    page = client.get(reverse("web:raid", args=[guild.raid.pk]))
    assert page.status_code == 200
    assert "I was there" not in page.text


def test_member_asks_on_the_page_officer_approves_and_the_member_sees_the_outcome(client, guild):
    pip, tick = guild.poor_member, guild.ticks[3]
    before = _balance(guild, pip)
    client.force_login(pip)
    form = client.get(reverse("missed:new", args=[tick.pk]))
    assert form.status_code == 200
    assert "Pipperel" in form.text

    sent = client.post(
        reverse("missed:new", args=[tick.pk]), {"character": pip.main_character.pk, "evidence": "I joined late"}
    )
    assert sent.status_code == 302
    assert sent["Location"].endswith(reverse("web:member", args=["pip"]) + "#my-requests")
    own_page = client.get(reverse("web:member", args=["pip"]))
    assert "My missed-tick requests" in own_page.text
    assert "Pending" in own_page.text

    client.force_login(guild.officer)
    queue = client.get(reverse("missed:queue"))
    assert "I joined late" in queue.text
    missed = MissedTickRequest.objects.get()
    decided = client.post(reverse("missed:approve", args=[missed.pk]), {"reason": "seen in my log"})
    assert decided.status_code == 302
    assert _balance(guild, pip) == before + TICK_VALUE

    client.force_login(pip)
    own_page = client.get(reverse("web:member", args=["pip"]))
    assert "Approved" in own_page.text
    assert "seen in my log" in own_page.text


def test_the_form_shows_refusals_as_errors_not_500s(client, guild):
    pip = guild.poor_member
    client.force_login(pip)
    url = reverse("missed:new", args=[guild.ticks[0].pk])  # Pip was at the first tick
    already = client.post(url, {"character": pip.main_character.pk, "evidence": "again"})
    assert already.status_code == 409
    assert "already in this tick" in already.text

    not_mine = client.post(url, {"character": guild.good_member.main_character.pk, "evidence": "x"})
    assert not_mine.status_code == 422
    assert "Pick one of your own characters" in not_mine.text

    empty = client.post(url, {"character": pip.main_character.pk, "evidence": ""})
    assert empty.status_code == 422
    assert "Say how you know you were there" in empty.text
    assert not MissedTickRequest.objects.exists()


def test_members_cannot_open_the_queue_or_decide(client, guild):
    missed = _pips_request(guild)
    client.force_login(guild.good_member)
    assert client.get(reverse("missed:queue")).status_code == 403
    assert client.post(reverse("missed:approve", args=[missed.pk])).status_code == 403
    missed.refresh_from_db()
    assert missed.status == RequestStatus.PENDING


def test_officer_denying_without_a_reason_sees_the_error_on_the_queue(client, guild):
    missed = _pips_request(guild)
    client.force_login(guild.officer)
    page = client.get(reverse("web:home"))
    assert reverse("missed:queue") in page.text  # the officer's nav link
    refused = client.post(reverse("missed:deny", args=[missed.pk]), {"reason": ""})
    assert refused.status_code == 422
    assert "Say why the request is denied" in refused.text
    assert client.post(reverse("missed:deny", args=[missed.pk]), {"reason": "not in log"}).status_code == 302
    again = client.post(reverse("missed:approve", args=[missed.pk]))
    assert again.status_code == 409
    assert "already denied" in again.text


def test_signed_out_visitors_are_sent_to_sign_in(client, guild):
    response = client.get(reverse("missed:new", args=[guild.ticks[3].pk]))
    assert response.status_code == 302
    assert reverse("web:login") in response["Location"]


# --- API ---------------------------------------------------------------------------------------


def _bearer(user, scopes: list[str]) -> APIClient:
    _, secret = create_api_key(owner=user, name="t", scopes=scopes, expires_at=None, actor=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def test_api_member_asks_with_a_bid_key_and_officer_approves(guild):
    pip, tick = guild.poor_member, guild.ticks[3]
    before = _balance(guild, pip)
    member = _bearer(pip, ["bid"])
    created = member.post(
        reverse("api:missed-tick-request-list"),
        {"tick": tick.pk, "character": pip.main_character.pk, "evidence": "log line"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["status"], body["character_name"], body["tick_value"]) == ("pending", "Pipperel", TICK_VALUE)

    officer = _bearer(guild.officer, ["write"])
    pending = officer.get(reverse("api:missed-tick-request-list"), {"status": "pending"}).json()
    assert [r["id"] for r in pending["results"]] == [body["id"]]
    approved = officer.post(reverse("api:missed-tick-request-approve", kwargs={"pk": body["id"]}), {}, format="json")
    assert approved.status_code == 200
    assert approved.json()["status"] == "approved"
    assert _balance(guild, pip) == before + TICK_VALUE
    assert member.get(reverse("api:missed-tick-request-detail", kwargs={"pk": body["id"]})).json()["status"] == (
        "approved"
    )


def test_api_read_key_cannot_ask(guild):
    pip = guild.poor_member
    response = _bearer(pip, ["read"]).post(
        reverse("api:missed-tick-request-list"),
        {"tick": guild.ticks[3].pk, "character": pip.main_character.pk, "evidence": "x"},
        format="json",
    )
    assert response.status_code == 403
    assert response.json()["error"] == "forbidden"


def test_api_refusals_have_the_error_shape(guild):
    pip = guild.poor_member
    client = _bearer(pip, ["bid"])
    url = reverse("api:missed-tick-request-list")
    not_mine = client.post(
        url, {"tick": guild.ticks[3].pk, "character": guild.good_member.main_character.pk, "evidence": "x"}
    )
    assert not_mine.status_code == 422
    assert not_mine.json()["error"] == "not_your_character"
    payload = {"tick": guild.ticks[3].pk, "character": pip.main_character.pk, "evidence": "x"}
    assert client.post(url, payload, format="json").status_code == 201
    duplicate = client.post(url, payload, format="json")
    assert duplicate.status_code == 409
    assert duplicate.json()["error"] == "duplicate_request"
    missing = client.post(url, {"tick": 999999, "character": pip.main_character.pk, "evidence": "x"}, format="json")
    assert missing.status_code == 400
    assert missing.json()["error"] == "invalid_input"


def test_api_members_see_only_their_own_and_cannot_decide(guild):
    mine = _pips_request(guild)
    gwen_alt = make_character("Gwenalt", guild.good_member, "Cleric")
    gwens = request_missed_tick(tick=guild.ticks[0], character=gwen_alt, evidence="x", requester=guild.good_member)
    pip = APIClient()
    pip.force_login(guild.poor_member)
    listed = pip.get(reverse("api:missed-tick-request-list")).json()
    assert [r["id"] for r in listed["results"]] == [mine.pk]
    assert pip.get(reverse("api:missed-tick-request-detail", kwargs={"pk": gwens.pk})).status_code == 404
    refused = pip.post(reverse("api:missed-tick-request-approve", kwargs={"pk": mine.pk}), {}, format="json")
    assert refused.status_code == 403

    officer = APIClient()
    officer.force_login(guild.officer)
    assert len(officer.get(reverse("api:missed-tick-request-list")).json()["results"]) == 2
    no_reason = officer.post(reverse("api:missed-tick-request-deny", kwargs={"pk": gwens.pk}), {}, format="json")
    assert no_reason.status_code == 422
    assert no_reason.json()["error"] == "reason_required"
