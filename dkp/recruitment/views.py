"""Recruitment pages: the application form, the applicant's own page, the members' list by stage
and the application page with votes, comments and stage moves.

Each view parses its form, calls one service in ``dkp.recruitment.services`` or a selector, and
renders. A refusal (a ``GuildError``) is shown on the page it came from, never as a 500. Votes and
comments also answer htmx requests with just the part of the page that changed; plain forms work
without it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from dkp.accounts.models import User
from dkp.characters.models import EqClass
from dkp.core.errors import GuildError, InvalidInput, NotFound
from dkp.core.fields import WholeNumberFormField
from dkp.core.http import HtmxHttpRequest, form_post
from dkp.core.models import GuildSettings
from dkp.core.roles import Capability, can, require
from dkp.core.time import parse_local
from dkp.recruitment import page_helpers, selectors, services
from dkp.recruitment.models import ApplicationQuestion, ApplicationStatus, CommentVisibility

VOTE_CHOICES = (("yes", "Yes"), ("no", "No"), ("abstain", "Abstain"))


class ApplicationForm(forms.Form):
    """Reads the form's types; the service decides whether the application may be made."""

    character_name = forms.CharField(label="Main character", max_length=15)
    character_class = forms.ChoiceField(label="Class", choices=[("", "Choose…"), *EqClass.choices])
    character_level = WholeNumberFormField(services.LEVEL, label="Level")

    def __init__(self, questions: list[ApplicationQuestion], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            self.fields[self.answer_field(question)] = forms.CharField(
                label=question.text,
                required=question.required,
                max_length=4000,
                widget=forms.Textarea(attrs={"rows": 3}),
                error_messages={"required": "This question needs an answer."},
            )

    @staticmethod
    def answer_field(question: ApplicationQuestion) -> str:
        return f"answer_{question.pk}"

    def answers(self) -> dict[int, str]:
        return {q.pk: self.cleaned_data.get(self.answer_field(q), "") for q in self.questions}

    def answer_rows(self) -> list[tuple[ApplicationQuestion, forms.BoundField]]:
        return [(q, self[self.answer_field(q)]) for q in self.questions]


def _signed_in(request: HttpRequest) -> User:
    return cast(User, request.user)


def _detail_url(application_id: int, anchor: str = "") -> str:
    url = reverse("recruitment:detail", args=[application_id])
    return f"{url}#{anchor}" if anchor else url


def _local_input(at: dt.datetime | None) -> str:
    """A time as a ``datetime-local`` input shows it, in the guild's zone (the active one)."""
    return timezone.localtime(at).strftime("%Y-%m-%dT%H:%M") if at else ""


def _parse_date(text: str) -> dt.date | None:
    text = text.strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{text!r} is not a date for the trial's end.", code="invalid_date") from None


# --- the applicant ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest) -> HttpResponse:
    """The application form, for a signed-in guest or applicant."""
    applicant = _signed_in(request)
    require(applicant, Capability.APPLY)
    questions = list(selectors.open_questions())
    form = ApplicationForm(questions, request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                application = services.submit_application(
                    applicant=applicant,
                    character_name=form.cleaned_data["character_name"],
                    character_class=form.cleaned_data["character_class"],
                    character_level=form.cleaned_data["character_level"],
                    answers=form.answers(),
                )
            except GuildError as refused:
                form.add_error(None, refused.message)
                status = refused.status
            else:
                messages.success(request, "Application sent. The guild will read it; follow it here.")
                return redirect(_detail_url(application.pk))
        else:
            status = 422
    context = {
        "form": form,
        "open_application": page_helpers.open_application_of(applicant=applicant) if status == 200 else None,
    }
    return render(request, "recruitment/apply.html", context, status=status)


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """Your latest application, or the form when you have none."""
    person = _signed_in(request)
    latest = page_helpers.latest_application_of(applicant=person)
    if latest is not None:
        return redirect(_detail_url(latest.pk))
    require(person, Capability.APPLY)
    return redirect("recruitment:apply")


@login_required
@require_http_methods(["GET", "POST"])
def withdraw(request: HttpRequest, application_id: int) -> HttpResponse:
    """Ask "are you sure?", then withdraw the application."""
    applicant = _signed_in(request)
    application = selectors.application_for(viewer=applicant, application_id=application_id)
    if application.applicant_id != applicant.pk:
        raise NotFound("You can only withdraw your own application.")
    error = ""
    if request.method == "POST":
        try:
            services.withdraw_application(
                application=application, actor=applicant, reason=request.POST.get("reason", "").strip()
            )
        except GuildError as refused:
            error = refused.message
        else:
            messages.success(request, "Application withdrawn. You can apply again whenever you like.")
            return redirect(_detail_url(application.pk))
    context = {"application": application, "error": error, "is_open": page_helpers.is_open(application)}
    return render(request, "recruitment/withdraw.html", context, status=422 if error else 200)


# --- members ------------------------------------------------------------------------------------


@login_required
def application_list(request: HttpRequest) -> HttpResponse:
    """Applications by stage, with counts per stage and each one's tally."""
    viewer = _signed_in(request)
    require(viewer, Capability.READ_APPLICATIONS)
    stage = request.GET.get("stage", "")
    if stage not in ApplicationStatus.values:
        stage = ""
    context = {
        "applications": selectors.applications_for(viewer=viewer, status=stage or None),
        "tabs": page_helpers.stage_tabs(),
        "stage": stage,
    }
    return render(request, "recruitment/list.html", context)


def _vote_context(viewer: User, application: Any) -> dict[str, Any]:
    return {
        "application": application,
        "tally": selectors.tally(application=application),
        "votes": list(selectors.visible_votes(viewer=viewer, application=application)),
        "sees_votes": can(viewer, Capability.MOVE_APPLICATIONS),
        "own_vote": selectors.own_vote(voter=viewer, application=application),
        "eligibility": selectors.vote_eligibility(user=viewer),
        "voting_open": page_helpers.voting_is_open(application),
        "vote_choices": VOTE_CHOICES,
    }


def _comment_context(viewer: User, application: Any) -> dict[str, Any]:
    return {
        "application": application,
        "comments": list(selectors.visible_comments(viewer=viewer, application=application)),
        "may_write_officer_only": can(viewer, Capability.MOVE_APPLICATIONS),
        "visibilities": CommentVisibility.choices,
    }


def _detail(request: HttpRequest, viewer: User, application: Any, *, status: int = 200, **extra: Any) -> HttpResponse:
    """The application page: the full page for members, the applicant's own page for the applicant."""
    is_reader = can(viewer, Capability.READ_APPLICATIONS)
    context: dict[str, Any] = {
        "application": application,
        "is_open": page_helpers.is_open(application),
        "is_own": application.applicant_id == viewer.pk,
        "stage_changes": selectors.stage_history(application=application),
        **_comment_context(viewer, application),
    }
    if not is_reader:
        return render(request, "recruitment/mine.html", {**context, **extra}, status=status)
    settings = GuildSettings.load()
    now = timezone.now()
    context |= {
        **_vote_context(viewer, application),
        "move_targets": page_helpers.move_targets(viewer=viewer, application=application),
        "default_closes_at": _local_input(application.voting_closes_at or now + dt.timedelta(days=7)),
        "default_trial_ends": (application.trial_ends_at or (now + dt.timedelta(days=30)).date()).isoformat(),
        "uses_trials": settings.uses_trials,
    }
    # Accepting or starting a trial while members still vote needs the officer's tick of a box.
    context["admit_needs_confirm"] = context.get("voting_open", False) and any(
        value in services.ADMITTING for value, _ in context["move_targets"]
    )
    return render(request, "recruitment/detail.html", {**context, **extra}, status=status)


@login_required
def detail(request: HttpRequest, application_id: int) -> HttpResponse:
    viewer = _signed_in(request)
    application = selectors.application_for(viewer=viewer, application_id=application_id)
    return _detail(request, viewer, application)


@login_required
@form_post(back="recruitment:detail")
def vote(request: HtmxHttpRequest, application_id: int) -> HttpResponse:
    """Cast or change your vote. htmx gets the vote panel back; a plain form goes back to the page."""
    voter = _signed_in(request)
    application = selectors.application_for(viewer=voter, application_id=application_id)
    choice = request.POST.get("choice", "")
    error = ""
    try:
        services.cast_vote(application=application, voter=voter, choice=choice)
    except GuildError as refused:
        error = refused.message
        status = refused.status
    if request.htmx:
        # 200 even when refused, so htmx swaps the panel in and the reason shows where the buttons are.
        return render(
            request, "recruitment/_vote_panel.html", {**_vote_context(voter, application), "vote_error": error}
        )
    if error:
        return _detail(request, voter, application, status=status, vote_error=error)
    messages.success(request, f"Your vote is in: {dict(VOTE_CHOICES).get(choice, choice)}.")
    return redirect(_detail_url(application.pk, "vote"))


@login_required
@form_post(back="recruitment:detail")
def comment(request: HtmxHttpRequest, application_id: int) -> HttpResponse:
    """Add a comment (members, the applicant on their own application; officer-only for recruiters)."""
    author = _signed_in(request)
    application = selectors.application_for(viewer=author, application_id=application_id)
    body = request.POST.get("body", "")
    visibility = request.POST.get("visibility", CommentVisibility.MEMBERS)
    error = ""
    try:
        services.add_comment(application=application, author=author, body=body, visibility=visibility)
    except GuildError as refused:
        error = refused.message
        status = refused.status
    extra = {"comment_error": error, "comment_body": body if error else "", "comment_visibility": visibility}
    if request.htmx:
        context = {**_comment_context(author, application), **extra}
        return render(request, "recruitment/_comments.html", context)
    if error:
        return _detail(request, author, application, status=status, **extra)
    return redirect(_detail_url(application.pk, "comments"))


@login_required
@require_http_methods(["GET", "POST"])
def comment_edit(request: HttpRequest, application_id: int, comment_id: int) -> HttpResponse:
    """Change your own comment; it keeps its time and shows as edited."""
    author = _signed_in(request)
    found = selectors.comment_for_edit(viewer=author, comment_id=comment_id)
    if found.application_id != application_id:
        raise NotFound("No such comment on this application.")
    application = found.application
    body = found.body
    error = ""
    if request.method == "POST":
        body = request.POST.get("body", "")
        try:
            services.edit_comment(comment=found, actor=author, body=body)
        except GuildError as refused:
            error = refused.message
        else:
            messages.success(request, "Comment changed.")
            return redirect(_detail_url(application.pk, f"comment-{found.pk}"))
    context = {"application": application, "comment": found, "body": body, "error": error}
    return render(request, "recruitment/comment_edit.html", context, status=422 if error else 200)


@login_required
@form_post(back="recruitment:detail")
def move(request: HttpRequest, application_id: int) -> HttpResponse:
    """Recruiters and officers move an application to another stage, with a reason."""
    actor = _signed_in(request)
    application = selectors.application_for(viewer=actor, application_id=application_id)
    fields = ("to_status", "reason", "voting_closes_at", "trial_ends_at", "confirm_open_vote")
    form = {k: request.POST.get(k, "") for k in fields}
    to_status = form["to_status"]
    require(actor, Capability.MOVE_APPLICATIONS)  # a member gets the 403 page, not a form they never had
    try:
        voting = to_status == ApplicationStatus.VOTING
        moved = services.move_application(
            application=application,
            to_status=to_status,
            actor=actor,
            reason=form["reason"].strip(),
            voting_closes_at=parse_local(form["voting_closes_at"], what="voting to close") if voting else None,
            trial_ends_at=_parse_date(form["trial_ends_at"]) if to_status == ApplicationStatus.TRIAL else None,
            confirm_open_vote=form["confirm_open_vote"] == "yes",
        )
    except GuildError as refused:
        return _detail(request, actor, application, status=refused.status, move_error=refused.message, move_form=form)
    messages.success(request, f"Moved to {moved.get_status_display().lower()}.")
    return redirect(_detail_url(moved.pk))
