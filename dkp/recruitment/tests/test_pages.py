"""Recruitment pages as each persona sees them: the form, the applicant's page, the list, the application page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.urls import reverse
from django.utils import timezone

from dkp.accounts.models import User
from dkp.core.roles import RoleGroup
from dkp.raids.attendance import refresh_attendance_summaries
from dkp.recruitment import services
from dkp.recruitment.models import (
    ApplicationComment,
    ApplicationQuestion,
    ApplicationStageChange,
    ApplicationVote,
    CommentVisibility,
    GuildApplication,
)
from dkp.testing.personas import Guild


@dataclass
class Recruiting:
    guild: Guild
    main_question: ApplicationQuestion
    optional_question: ApplicationQuestion
    application: GuildApplication  # the applicant's, in voting


@pytest.fixture
def recruiting(guild: Guild) -> Recruiting:
    refresh_attendance_summaries()
    main_question = ApplicationQuestion.objects.create(text="Tell us about your main.", required=True, position=1)
    optional = ApplicationQuestion.objects.create(text="Anything else?", required=False, position=2)
    application = services.submit_application(
        applicant=guild.applicant,
        character_name="Abeline",
        character_class="Ranger",
        character_level=60,
        answers={main_question.pk: "Ranger with epic, tracks well.", optional.pk: ""},
    )
    application = services.move_application(
        application=application, to_status="voting", actor=guild.recruiter, reason="looks good"
    )
    return Recruiting(guild, main_question, optional, application)


def detail_url(application: GuildApplication) -> str:
    return reverse("recruitment:detail", args=[application.pk])


def apply_form(recruiting: Recruiting, **overrides: str) -> dict[str, str]:
    form = {
        "character_name": "Gusmando",
        "character_class": "Bard",
        "character_level": "58",
        f"answer_{recruiting.main_question.pk}": "Bard, twists four songs.",
        f"answer_{recruiting.optional_question.pk}": "",
    }
    return form | overrides


# --- the form ------------------------------------------------------------------------------------


def test_a_guest_applies_through_the_form_and_becomes_an_applicant(client, recruiting: Recruiting) -> None:
    guest = recruiting.guild.guest
    client.force_login(guest)
    form = client.get(reverse("recruitment:apply"))
    assert form.status_code == 200
    assert "Tell us about your main." in form.text
    assert "Shadow Knight" in form.text  # the 16 classes
    sent = client.post(reverse("recruitment:apply"), apply_form(recruiting))
    application = GuildApplication.objects.get(applicant=guest)
    assert sent.status_code == 302
    assert sent["Location"] == detail_url(application)
    assert (application.character_name, application.character_class, application.character_level) == (
        "Gusmando",
        "Bard",
        58,
    )
    assert application.answers[0] == {"question": "Tell us about your main.", "answer": "Bard, twists four songs."}
    guest.refresh_from_db()
    assert guest.role_group == RoleGroup.APPLICANT
    own_page = client.get(sent["Location"])
    assert "Your application" in own_page.text
    assert "Withdraw" in own_page.text


def test_an_empty_required_answer_is_shown_on_the_form_keeping_what_was_typed(client, recruiting: Recruiting) -> None:
    guest = recruiting.guild.guest
    client.force_login(guest)
    page = client.post(
        reverse("recruitment:apply"), apply_form(recruiting, **{f"answer_{recruiting.main_question.pk}": "  "})
    )
    assert page.status_code == 422
    assert "This question needs an answer." in page.text
    assert 'value="Gusmando"' in page.text
    assert not GuildApplication.objects.filter(applicant=guest).exists()
    guest.refresh_from_db()
    assert guest.role_group == RoleGroup.GUEST


def test_a_refusal_from_the_service_is_shown_on_the_form(client, recruiting: Recruiting) -> None:
    client.force_login(recruiting.guild.guest)
    page = client.post(reverse("recruitment:apply"), apply_form(recruiting, character_name="Gus 2"))
    assert page.status_code == 422
    assert "is not an EverQuest character name" in page.text
    assert not GuildApplication.objects.filter(applicant=recruiting.guild.guest).exists()


def test_applying_twice_shows_the_error_and_saves_nothing(client, recruiting: Recruiting) -> None:
    applicant = recruiting.guild.applicant
    client.force_login(applicant)
    notice = client.get(reverse("recruitment:apply"))
    assert "You already have an application" in notice.text
    page = client.post(reverse("recruitment:apply"), apply_form(recruiting, character_name="Abetwo"))
    assert page.status_code == 409
    assert "already have an open application" in page.text
    assert 'value="Abetwo"' in page.text
    assert GuildApplication.objects.filter(applicant=applicant).count() == 1


def test_members_are_refused_the_form_with_the_reason(client, recruiting: Recruiting) -> None:
    client.force_login(recruiting.guild.good_member)
    page = client.get(reverse("recruitment:apply"))
    assert page.status_code == 403
    assert "member may not apply" in page.text


def test_a_visitor_is_sent_to_sign_in_first(client, recruiting: Recruiting) -> None:
    page = client.get(reverse("recruitment:apply"))
    assert page.status_code == 302
    assert page["Location"].startswith(reverse("web:login"))
    welcome = client.get(reverse("web:home"))
    assert "Apply to the guild" in welcome.text
    assert "Apply to the guild" in client.get(reverse("web:login")).text


# --- the applicant's page ------------------------------------------------------------------------


def test_the_applicant_sees_their_page_with_member_comments_but_no_votes(client, recruiting: Recruiting) -> None:
    guild, application = recruiting.guild, recruiting.application
    services.add_comment(application=application, author=guild.good_member, body="Saw him in Ssra, solid.")
    services.add_comment(
        application=application, author=guild.recruiter, body="Old guild says fine.", visibility="officers"
    )
    services.cast_vote(application=application, voter=guild.good_member, choice="yes")
    client.force_login(guild.applicant)
    assert client.get(reverse("recruitment:mine"))["Location"] == detail_url(application)
    page = client.get(detail_url(application))
    assert page.status_code == 200
    assert "Your application" in page.text
    assert "Saw him in Ssra, solid." in page.text
    assert "Old guild says fine." not in page.text
    assert 'data-tally="yes"' not in page.text
    assert "Ranger with epic, tracks well." in page.text
    assert "looks good" in page.text  # the stage change's reason
    reply = client.post(reverse("recruitment:comment", args=[application.pk]), {"body": "Thanks, happy to answer."})
    assert reply.status_code == 302
    assert ApplicationComment.objects.filter(author=guild.applicant, body="Thanks, happy to answer.").exists()


def test_someone_elses_application_is_refused_with_the_reason(client, recruiting: Recruiting) -> None:
    client.force_login(recruiting.guild.guest)
    page = client.get(detail_url(recruiting.application))
    assert page.status_code == 403
    assert "may read only their own application" in page.text


def test_the_applicant_withdraws_after_confirming(client, recruiting: Recruiting) -> None:
    guild, application = recruiting.guild, recruiting.application
    client.force_login(guild.applicant)
    confirm = client.get(reverse("recruitment:withdraw", args=[application.pk]))
    assert "Withdraw your application?" in confirm.text
    application.refresh_from_db()
    assert application.status == "voting"  # asking is not doing
    done = client.post(reverse("recruitment:withdraw", args=[application.pk]), {"reason": "found another guild"})
    assert done.status_code == 302
    application.refresh_from_db()
    assert application.status == "withdrawn"
    page = client.get(detail_url(application))
    assert "found another guild" in page.text
    assert "Withdraw…" not in page.text
    guild.applicant.refresh_from_db()
    assert guild.applicant.role_group == RoleGroup.GUEST


def test_a_member_cannot_withdraw_someone_elses_application(client, recruiting: Recruiting) -> None:
    client.force_login(recruiting.guild.officer)
    page = client.post(reverse("recruitment:withdraw", args=[recruiting.application.pk]))
    assert page.status_code == 404
    recruiting.application.refresh_from_db()
    assert recruiting.application.status == "voting"


# --- the list ------------------------------------------------------------------------------------


def test_members_see_the_list_by_stage_with_counts(client, recruiting: Recruiting) -> None:
    guild = recruiting.guild
    services.submit_application(
        applicant=guild.guest,
        character_name="Gusmando",
        character_class="Bard",
        character_level=58,
        answers={recruiting.main_question.pk: "bard"},
    )
    client.force_login(guild.poor_member)
    page = client.get(reverse("recruitment:list"))
    assert page.status_code == 200
    tabs = {tab.status: tab.count for tab in page.context["tabs"]}
    assert tabs[""] == 2
    assert tabs["voting"] == 1
    assert tabs["submitted"] == 1
    assert tabs["accepted"] == 0
    assert "Abeline" in page.text
    assert "Gusmando" in page.text
    voting = client.get(reverse("recruitment:list") + "?stage=voting")
    assert "Abeline" in voting.text
    assert "Gusmando" not in voting.text


@pytest.mark.parametrize("persona", ["guest", "applicant"])
def test_outsiders_are_refused_the_list(client, recruiting: Recruiting, persona: str) -> None:
    client.force_login(recruiting.guild.everyone()[persona])
    page = client.get(reverse("recruitment:list"))
    assert page.status_code == 403
    assert "may not read applications" in page.text


def test_the_nav_offers_applications_to_members_and_apply_to_guests(client, recruiting: Recruiting) -> None:
    client.force_login(recruiting.guild.good_member)
    assert reverse("recruitment:list") in client.get(reverse("web:home")).text
    client.force_login(recruiting.guild.guest)
    assert reverse("recruitment:mine") in client.get(reverse("web:home")).text


# --- the application page: votes -----------------------------------------------------------------


def test_an_eligible_member_votes_through_the_page_and_may_change_it(client, recruiting: Recruiting) -> None:
    guild, application = recruiting.guild, recruiting.application
    client.force_login(guild.good_member)
    page = client.get(detail_url(application))
    assert 'value="yes"' in page.text
    assert 'value="abstain"' in page.text
    assert page.context["tally"].total == 0
    voted = client.post(reverse("recruitment:vote", args=[application.pk]), {"choice": "yes"})
    assert voted.status_code == 302
    vote = ApplicationVote.objects.get(application=application, voter=guild.good_member)
    assert vote.choice == "yes"
    assert vote.attendance_30 == pytest.approx(90, abs=1)
    again = client.get(detail_url(application))
    assert again.context["tally"].yes == 1
    assert "Your vote:" in again.text
    htmx = client.post(reverse("recruitment:vote", args=[application.pk]), {"choice": "no"}, HTTP_HX_REQUEST="true")
    assert htmx.status_code == 200
    assert "<html" not in htmx.text  # only the panel
    assert 'data-tally="no">1<' in htmx.text
    assert ApplicationVote.objects.get(application=application, voter=guild.good_member).choice == "no"


def test_an_ineligible_member_sees_why_with_their_attendance_and_the_threshold(client, recruiting: Recruiting) -> None:
    guild, application = recruiting.guild, recruiting.application
    client.force_login(guild.poor_member)
    page = client.get(detail_url(application))
    assert "You can't vote on this." in page.text
    assert "10.00%" in page.text
    assert "needed: <b>15%</b>" in page.text
    assert 'value="yes"' not in page.text
    refused = client.post(reverse("recruitment:vote", args=[application.pk]), {"choice": "yes"})
    assert refused.status_code == 403
    assert "You need 15% attendance" in refused.text
    assert not ApplicationVote.objects.filter(voter=guild.poor_member).exists()


def test_voting_outside_voting_is_refused_on_the_page(client, recruiting: Recruiting) -> None:
    guild, application = recruiting.guild, recruiting.application
    services.move_application(
        application=application,
        to_status="trial",
        actor=guild.officer,
        trial_ends_at=dt.date.today().replace(year=2099),
        confirm_open_vote=True,
    )
    client.force_login(guild.good_member)
    page = client.post(reverse("recruitment:vote", args=[application.pk]), {"choice": "yes"})
    assert page.status_code == 409
    assert "not in voting" in page.text
    assert not ApplicationVote.objects.exists()


def test_who_voted_what_is_for_recruiters_and_officers(client, recruiting: Recruiting) -> None:
    guild, application = recruiting.guild, recruiting.application
    services.cast_vote(application=application, voter=guild.good_member, choice="no")
    for persona, sees in (("recruiter", True), ("officer", True), ("developer", False), ("good_member", False)):
        client.force_login(guild.everyone()[persona])
        page = client.get(detail_url(application))
        assert page.status_code == 200, persona
        assert page.context["tally"].no == 1
        assert ("Who voted what" in page.text) is sees, persona
        assert (f"<td>{guild.good_member.name}</td>" in page.text) is sees, persona


# --- the application page: comments --------------------------------------------------------------


def test_officer_only_comments_are_offered_to_recruiters_not_members(client, recruiting: Recruiting) -> None:
    guild, application = recruiting.guild, recruiting.application
    client.force_login(guild.recruiter)
    page = client.get(detail_url(application))
    assert 'name="visibility"' in page.text
    client.post(
        reverse("recruitment:comment", args=[application.pk]),
        {"body": "Checked his old guild.", "visibility": "officers"},
    )
    assert ApplicationComment.objects.get(body="Checked his old guild.").visibility == CommentVisibility.OFFICERS

    client.force_login(guild.good_member)
    member_page = client.get(detail_url(application))
    assert 'name="visibility"' not in member_page.text
    assert "Checked his old guild." not in member_page.text
    refused = client.post(
        reverse("recruitment:comment", args=[application.pk]), {"body": "sneaky", "visibility": "officers"}
    )
    assert refused.status_code == 403
    assert "Only recruiters and officers may write officer-only comments." in refused.text
    assert not ApplicationComment.objects.filter(body="sneaky").exists()


def test_a_member_comments_with_htmx_and_edits_it_which_marks_it_edited(client, recruiting: Recruiting) -> None:
    guild, application = recruiting.guild, recruiting.application
    client.force_login(guild.good_member)
    part = client.post(
        reverse("recruitment:comment", args=[application.pk]), {"body": "Grouped with him."}, HTTP_HX_REQUEST="true"
    )
    assert part.status_code == 200
    assert "Grouped with him." in part.text
    assert "<html" not in part.text
    comment = ApplicationComment.objects.get(body="Grouped with him.")
    written = comment.created_at
    edit_url = reverse("recruitment:comment_edit", args=[application.pk, comment.pk])
    assert edit_url in client.get(detail_url(application)).text
    assert client.get(edit_url).status_code == 200
    empty = client.post(edit_url, {"body": " "})
    assert empty.status_code == 422
    assert "Write something first." in empty.text
    client.post(edit_url, {"body": "Grouped with him twice."})
    comment.refresh_from_db()
    assert comment.body == "Grouped with him twice."
    assert comment.created_at == written
    assert ">edited<" in client.get(detail_url(application)).text
    client.force_login(guild.poor_member)
    assert client.get(edit_url).status_code == 403


# --- the application page: moves -----------------------------------------------------------------


def test_a_recruiter_moves_to_trial_but_is_not_offered_accept(client, recruiting: Recruiting) -> None:
    guild, application = recruiting.guild, recruiting.application
    client.force_login(guild.recruiter)
    page = client.get(detail_url(application))
    assert [value for value, _ in page.context["move_targets"]] == ["trial"]
    refused = client.post(reverse("recruitment:move", args=[application.pk]), {"to_status": "accepted"})
    assert refused.status_code == 403
    assert "may not accept or reject" in refused.text
    ends = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    moved = client.post(
        reverse("recruitment:move", args=[application.pk]),
        {"to_status": "trial", "trial_ends_at": ends, "reason": "vote passed", "confirm_open_vote": "yes"},
    )
    assert moved.status_code == 302
    application.refresh_from_db()
    assert application.status == "trial"
    assert str(application.trial_ends_at) == ends
    assert ApplicationStageChange.objects.filter(application=application, to_status="trial", reason="vote passed")


def test_an_officer_accepts_and_a_bad_move_shows_the_reason(client, recruiting: Recruiting) -> None:
    guild, application = recruiting.guild, recruiting.application
    client.force_login(guild.officer)
    bad = client.post(reverse("recruitment:move", args=[application.pk]), {"to_status": "trial", "trial_ends_at": ""})
    assert bad.status_code == 422
    assert "Give the date the trial ends." in bad.text
    services.cast_vote(application=application, voter=guild.good_member, choice="yes")
    page = client.get(detail_url(application))
    assert "Accept or start the trial before voting closes" in page.text  # the box to tick, under the tally
    early = client.post(reverse("recruitment:move", args=[application.pk]), {"to_status": "accepted"})
    assert early.status_code == 409
    assert "Voting is still open" in early.text
    assert "so far 1 yes, 0 no, 0 abstain" in early.text
    assert User.objects.get(pk=guild.applicant.pk).role_group == RoleGroup.APPLICANT
    accepted = client.post(
        reverse("recruitment:move", args=[application.pk]), {"to_status": "accepted", "confirm_open_vote": "yes"}
    )
    assert accepted.status_code == 302
    applicant = User.objects.get(pk=guild.applicant.pk)
    assert applicant.role_group == RoleGroup.MEMBER
    page = client.get(detail_url(application))
    assert page.context["move_targets"] == []
    assert "Accepted" in page.text


@pytest.mark.parametrize("persona", ["good_member", "developer"])
def test_members_may_not_move_applications(client, recruiting: Recruiting, persona: str) -> None:
    client.force_login(recruiting.guild.everyone()[persona])
    page = client.post(reverse("recruitment:move", args=[recruiting.application.pk]), {"to_status": "trial"})
    assert page.status_code == 403
    assert "may not move applications" in page.text
