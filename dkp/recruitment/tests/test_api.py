"""The recruitment API: applying, reading by permission, moving, voting and commenting over HTTP."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from dkp.accounts.keys import create_api_key
from dkp.accounts.models import User
from dkp.core.roles import RoleGroup
from dkp.discord.models import DiscordOutbox
from dkp.raids.attendance import refresh_attendance_summaries
from dkp.recruitment import services
from dkp.recruitment.models import (
    ApplicationComment,
    ApplicationQuestion,
    ApplicationStatus,
    ApplicationVote,
    GuildApplication,
)
from dkp.testing.personas import Guild


@pytest.fixture
def members(guild: Guild) -> Guild:
    """The personas with 30-day attendance computed: Gwen 90%, Pip 10%."""
    refresh_attendance_summaries()
    return guild


@pytest.fixture
def questions(db: None) -> list[ApplicationQuestion]:
    return [
        ApplicationQuestion.objects.create(text="Why do you want to raid with us?", required=True, position=1),
        ApplicationQuestion.objects.create(text="Anything else we should know?", required=False, position=2),
    ]


def as_user(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def with_key(user: User, scope: str) -> APIClient:
    _, secret = create_api_key(owner=user, name=f"{scope} key", scopes=[scope], expires_at=None, actor=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def url(name: str, pk: int | None = None) -> str:
    return reverse(f"api:{name}", kwargs=None if pk is None else {"pk": pk})


def application_payload(questions: list[ApplicationQuestion], **overrides: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "character_name": "Abeline",
        "character_class": "Ranger",
        "character_level": 65,
        "answers": [{"question": questions[0].pk, "answer": "Friends of mine raid here."}],
    }
    payload.update(overrides)
    return payload


def in_voting(guild: Guild, questions: list[ApplicationQuestion]) -> GuildApplication:
    application = services.submit_application(
        applicant=guild.applicant,
        character_name="Abeline",
        character_class="Ranger",
        character_level=65,
        answers={questions[0].pk: "Friends of mine raid here."},
    )
    return services.move_application(application=application, to_status="voting", actor=guild.recruiter)


def assert_refused(response: Any, status: int, detail: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body: dict[str, Any] = response.json()
    assert isinstance(body["error"], str)
    if detail is not None:
        assert detail in body["detail"], body
    return body


# --- Applying ------------------------------------------------------------------------------------


def test_a_guest_applies_and_reads_their_application(members: Guild, questions: list[ApplicationQuestion]) -> None:
    response = as_user(members.guest).post(url("application-list"), application_payload(questions), format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "submitted"
    assert body["answers"] == [
        {"question": "Why do you want to raid with us?", "answer": "Friends of mine raid here."},
        {"question": "Anything else we should know?", "answer": ""},
    ]
    assert body["tally"] is None  # the applicant does not see the tally
    assert body["votes"] == []
    assert [(c["from_status"], c["to_status"]) for c in body["stage_changes"]] == [("", "submitted")]
    assert User.objects.get(pk=members.guest.pk).role_group == RoleGroup.APPLICANT
    assert DiscordOutbox.objects.filter(kind=DiscordOutbox.Kind.APPLICATION_SUBMITTED).count() == 1


def test_applying_twice_is_a_409_and_saves_nothing(members: Guild, questions: list[ApplicationQuestion]) -> None:
    client = as_user(members.applicant)
    assert client.post(url("application-list"), application_payload(questions), format="json").status_code == 201
    again = client.post(url("application-list"), application_payload(questions), format="json")
    body = assert_refused(again, 409, "already have an open application")
    assert body["error"] == "application_already_open"
    assert GuildApplication.objects.count() == 1


def test_an_empty_required_answer_is_a_422_naming_the_question(
    members: Guild, questions: list[ApplicationQuestion]
) -> None:
    payload = application_payload(questions, answers=[{"question": questions[0].pk, "answer": " "}])
    response = as_user(members.guest).post(url("application-list"), payload, format="json")
    assert_refused(response, 422, "Why do you want to raid with us?")
    assert GuildApplication.objects.count() == 0
    assert User.objects.get(pk=members.guest.pk).role_group == RoleGroup.GUEST


def test_a_bad_level_or_class_is_refused_by_the_payload_check(
    members: Guild, questions: list[ApplicationQuestion]
) -> None:
    client = as_user(members.guest)
    body = assert_refused(
        client.post(url("application-list"), application_payload(questions, character_level=131), format="json"), 400
    )
    assert "character_level" in body["fields"]
    body = assert_refused(
        client.post(url("application-list"), application_payload(questions, character_class="Necro"), format="json"),
        400,
    )
    assert "character_class" in body["fields"]
    assert GuildApplication.objects.count() == 0


# --- Reading -------------------------------------------------------------------------------------


def test_members_list_applications_by_stage_with_the_tally_and_outsiders_their_own(
    members: Guild, questions: list[ApplicationQuestion]
) -> None:
    voting = in_voting(members, questions)
    services.cast_vote(application=voting, voter=members.good_member, choice="yes")
    services.submit_application(
        applicant=members.guest,
        character_name="Gusmando",
        character_class="Bard",
        character_level=60,
        answers={questions[0].pk: "Songs."},
    )

    everything = as_user(members.poor_member).get(url("application-list")).json()["results"]
    assert [(row["character_name"], row["tally"]) for row in everything] == [
        ("Gusmando", {"yes": 0, "no": 0, "abstain": 0, "total": 0}),
        ("Abeline", {"yes": 1, "no": 0, "abstain": 0, "total": 1}),
    ]
    in_stage = as_user(members.poor_member).get(url("application-list"), {"status": "voting"}).json()["results"]
    assert [row["character_name"] for row in in_stage] == ["Abeline"]
    own = as_user(members.applicant).get(url("application-list")).json()["results"]
    assert [(row["character_name"], row["tally"]) for row in own] == [("Abeline", None)]
    assert_refused(as_user(members.poor_member).get(url("application-list"), {"status": "pending"}), 422)


def test_the_list_takes_a_fixed_number_of_queries(
    members: Guild, questions: list[ApplicationQuestion], django_assert_max_num_queries
) -> None:
    for name in ("Abeline", "Gusmando"):
        applicant = members.applicant if name == "Abeline" else members.guest
        services.submit_application(
            applicant=applicant,
            character_name=name,
            character_class="Bard",
            character_level=60,
            answers={questions[0].pk: "x"},
        )
    client = as_user(members.officer)
    with django_assert_max_num_queries(6):
        assert len(client.get(url("application-list")).json()["results"]) == 2


def test_the_detail_shows_votes_and_officer_comments_by_permission(
    members: Guild, questions: list[ApplicationQuestion]
) -> None:
    application = in_voting(members, questions)
    services.cast_vote(application=application, voter=members.good_member, choice="yes")
    services.add_comment(application=application, author=members.good_member, body="for members")
    services.add_comment(application=application, author=members.recruiter, body="for officers", visibility="officers")

    seen: dict[str, Any] = {}
    for persona in ("recruiter", "poor_member", "applicant"):
        seen[persona] = as_user(members.everyone()[persona]).get(url("application-detail", application.pk)).json()
    recruiter, member, applicant = seen["recruiter"], seen["poor_member"], seen["applicant"]

    assert [(v["voter_name"], v["choice"], v["attendance_30"]) for v in recruiter["votes"]] == [
        ("Gwen", "yes", "90.00")
    ]
    assert [c["body"] for c in recruiter["comments"]] == ["for members", "for officers"]
    assert member["votes"] == []
    assert member["tally"] == {"yes": 1, "no": 0, "abstain": 0, "total": 1}
    assert [c["body"] for c in member["comments"]] == ["for members"]
    assert member["vote_eligibility"] == {
        "allowed": False,
        "attendance_30": "10.00",
        "threshold": 15,
        "reason": "You need 15% attendance over the last 30 days to vote; yours is 10.00%.",
    }
    assert applicant["tally"] is None
    assert applicant["votes"] == []
    assert [c["body"] for c in applicant["comments"]] == ["for members"]
    assert [(c["from_status"], c["to_status"], c["changed_by_name"]) for c in applicant["stage_changes"]] == [
        ("", "submitted", "Abe"),
        ("submitted", "voting", "Rhea"),
    ]


def test_a_guest_is_refused_someone_elses_application(members: Guild, questions: list[ApplicationQuestion]) -> None:
    application = in_voting(members, questions)
    assert_refused(as_user(members.guest).get(url("application-detail", application.pk)), 403)
    assert_refused(as_user(members.officer).get(url("application-detail", application.pk + 100)), 404)


# --- Moving --------------------------------------------------------------------------------------


def test_recruiters_open_voting_and_officers_decide(members: Guild, questions: list[ApplicationQuestion]) -> None:
    application = services.submit_application(
        applicant=members.applicant,
        character_name="Abeline",
        character_class="Ranger",
        character_level=65,
        answers={questions[0].pk: "x"},
    )
    closes = (timezone.now() + dt.timedelta(days=3)).replace(microsecond=0)
    moved = as_user(members.recruiter).post(
        url("application-move", application.pk),
        {"status": "voting", "voting_closes_at": closes.isoformat(), "reason": "interviewed"},
        format="json",
    )
    assert moved.status_code == 200, moved.content
    assert moved.json()["status"] == "voting"
    application.refresh_from_db()
    assert application.voting_closes_at == closes

    refused = as_user(members.recruiter).post(url("application-move", application.pk), {"status": "accepted"})
    assert_refused(refused, 403, "may not accept or reject")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.VOTING

    early = as_user(members.officer).post(url("application-move", application.pk), {"status": "accepted"})
    assert_refused(early, 409, "Voting is still open")
    assert "0 yes, 0 no, 0 abstain" in early.json()["detail"]
    application.refresh_from_db()
    assert application.status == ApplicationStatus.VOTING

    accepted = as_user(members.officer).post(
        url("application-move", application.pk), {"status": "accepted", "confirm_open_vote": True}, format="json"
    )
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["decided_by_name"] == "Olwen"
    assert User.objects.get(pk=members.applicant.pk).role_group == RoleGroup.MEMBER


def test_a_trial_needs_its_end_date(members: Guild, questions: list[ApplicationQuestion]) -> None:
    application = in_voting(members, questions)
    client = as_user(members.officer)
    assert_refused(client.post(url("application-move", application.pk), {"status": "trial"}), 422, "trial ends")
    ends = (timezone.localdate() + dt.timedelta(days=10)).isoformat()
    moved = client.post(
        url("application-move", application.pk), {"status": "trial", "trial_ends_at": ends, "confirm_open_vote": True}
    )
    assert moved.status_code == 200, moved.content
    assert moved.json()["trial_ends_at"] == ends


def test_accepting_a_withdrawn_application_is_a_409(members: Guild, questions: list[ApplicationQuestion]) -> None:
    application = in_voting(members, questions)
    withdrawn = as_user(members.applicant).post(
        url("application-withdraw", application.pk), {"reason": "joined elsewhere"}
    )
    assert withdrawn.status_code == 200, withdrawn.content
    assert withdrawn.json()["status"] == "withdrawn"
    refused = as_user(members.officer).post(url("application-move", application.pk), {"status": "accepted"})
    assert_refused(refused, 409, "already withdrawn")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.WITHDRAWN
    assert application.decided_by is None


# --- Voting --------------------------------------------------------------------------------------


def test_an_eligible_member_votes_and_changes_their_vote(members: Guild, questions: list[ApplicationQuestion]) -> None:
    application = in_voting(members, questions)
    client = as_user(members.good_member)
    first = client.post(url("application-vote", application.pk), {"choice": "yes"})
    assert first.status_code == 200, first.content
    assert (first.json()["choice"], first.json()["attendance_30"]) == ("yes", "90.00")
    client.post(url("application-vote", application.pk), {"choice": "abstain"})
    assert list(ApplicationVote.objects.values_list("choice", flat=True)) == ["abstain"]
    detail = client.get(url("application-detail", application.pk)).json()
    assert detail["my_vote"]["choice"] == "abstain"


def test_an_ineligible_member_is_told_their_attendance_and_the_threshold(
    members: Guild, questions: list[ApplicationQuestion]
) -> None:
    application = in_voting(members, questions)
    response = as_user(members.poor_member).post(url("application-vote", application.pk), {"choice": "yes"})
    body = assert_refused(response, 403)
    assert body == {
        "error": "not_eligible_to_vote",
        "detail": "You need 15% attendance over the last 30 days to vote; yours is 10.00%.",
    }
    assert ApplicationVote.objects.count() == 0


def test_voting_outside_voting_is_a_409(members: Guild, questions: list[ApplicationQuestion]) -> None:
    application = services.submit_application(
        applicant=members.applicant,
        character_name="Abeline",
        character_class="Ranger",
        character_level=65,
        answers={questions[0].pk: "x"},
    )
    response = as_user(members.good_member).post(url("application-vote", application.pk), {"choice": "yes"})
    assert_refused(response, 409, "not in voting")
    assert ApplicationVote.objects.count() == 0


def test_a_bid_scope_key_may_vote_but_a_read_key_may_not(members: Guild, questions: list[ApplicationQuestion]) -> None:
    application = in_voting(members, questions)
    read_only = with_key(members.good_member, "read")
    assert_refused(read_only.post(url("application-vote", application.pk), {"choice": "yes"}, format="json"), 403)
    assert ApplicationVote.objects.count() == 0
    bidding = with_key(members.good_member, "bid")
    assert bidding.post(url("application-vote", application.pk), {"choice": "yes"}, format="json").status_code == 200
    assert_refused(
        bidding.post(url("application-comments", application.pk), {"body": "hi"}, format="json"),
        403,
        "scopes",
    )
    assert ApplicationComment.objects.count() == 0


# --- Comments ------------------------------------------------------------------------------------


def test_comments_by_members_recruiters_and_the_applicant(members: Guild, questions: list[ApplicationQuestion]) -> None:
    application = in_voting(members, questions)
    comments_url = url("application-comments", application.pk)
    by_member = as_user(members.poor_member).post(comments_url, {"body": "Grouped with him."})
    assert by_member.status_code == 201, by_member.content
    assert by_member.json()["visibility"] == "members"
    private = as_user(members.recruiter).post(comments_url, {"body": "Old guild says ok.", "visibility": "officers"})
    assert private.status_code == 201
    reply = as_user(members.applicant).post(comments_url, {"body": "Thanks!"})
    assert reply.status_code == 201

    refused = as_user(members.good_member).post(comments_url, {"body": "secret", "visibility": "officers"})
    assert_refused(refused, 403, "officer-only")
    assert_refused(as_user(members.guest).post(comments_url, {"body": "hi"}), 403)
    assert list(ApplicationComment.objects.order_by("pk").values_list("body", flat=True)) == [
        "Grouped with him.",
        "Old guild says ok.",
        "Thanks!",
    ]


def test_the_author_edits_a_comment_and_it_shows_as_edited(
    members: Guild, questions: list[ApplicationQuestion]
) -> None:
    application = in_voting(members, questions)
    comment = services.add_comment(application=application, author=members.good_member, body="Grouped with him.")
    edit_url = url("application-comment-detail", comment.pk)

    assert_refused(as_user(members.officer).patch(edit_url, {"body": "Rewritten"}), 403, "Only the author")
    edited = as_user(members.good_member).patch(edit_url, {"body": "Grouped with him twice."})
    assert edited.status_code == 200, edited.content
    body = edited.json()
    assert body["body"] == "Grouped with him twice."
    assert body["edited_at"] is not None
    comment.refresh_from_db()
    assert dt.datetime.fromisoformat(body["created_at"]) == comment.created_at
    assert comment.edited_at is not None
    assert comment.edited_at > comment.created_at


def test_an_officer_only_comment_is_hidden_from_a_member_who_tries_to_edit_it(
    members: Guild, questions: list[ApplicationQuestion]
) -> None:
    application = in_voting(members, questions)
    comment = services.add_comment(
        application=application, author=members.recruiter, body="between us", visibility="officers"
    )
    assert_refused(
        as_user(members.good_member).patch(url("application-comment-detail", comment.pk), {"body": "x"}), 404
    )


# --- Questions -----------------------------------------------------------------------------------


def test_officers_manage_questions_and_everyone_reads_the_asked_ones(
    members: Guild, questions: list[ApplicationQuestion]
) -> None:
    officer = as_user(members.officer)
    created = officer.post(url("application-question-list"), {"text": "Your AA count?", "position": 3}, format="json")
    assert created.status_code == 201, created.content
    retired = officer.patch(url("application-question-detail", questions[1].pk), {"is_active": False}, format="json")
    assert retired.json()["is_active"] is False

    asked = as_user(members.guest).get(url("application-question-list")).json()
    assert [q["text"] for q in asked] == ["Why do you want to raid with us?", "Your AA count?"]
    assert len(officer.get(url("application-question-list")).json()) == 3
    assert_refused(as_user(members.guest).get(url("application-question-detail", questions[1].pk)), 404)
    assert_refused(as_user(members.recruiter).post(url("application-question-list"), {"text": "x"}), 403)
