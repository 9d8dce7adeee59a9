"""The home page of someone who may not see the standings: what the guild is, and what they can do.

A visitor is asked to sign in (or to apply, which signs in first); a signed-in guest is told they can
apply; an applicant sees where their application stands and what happens next.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from dkp.accounts.models import User
from dkp.recruitment.models import ApplicationStatus
from dkp.recruitment.page_helpers import latest_application_of

# What happens next, by the stage an application is in, in the applicant's words.
NEXT_STEP = {
    ApplicationStatus.SUBMITTED: "A recruiter reads it and opens it to the members' vote.",
    ApplicationStatus.VOTING: "Members are voting on it; an officer decides when the vote is over.",
    ApplicationStatus.TRIAL: "You are on trial as a member; an officer decides at the end of the trial.",
    ApplicationStatus.ACCEPTED: "Welcome to the guild.",
    ApplicationStatus.REJECTED: "You may apply again.",
    ApplicationStatus.WITHDRAWN: "You may apply again.",
}


def welcome(request: HttpRequest) -> HttpResponse:
    application = None
    if isinstance(request.user, User) and request.user.is_authenticated:
        application = latest_application_of(applicant=request.user)
    context = {
        "application": application,
        "next_step": NEXT_STEP.get(ApplicationStatus(application.status)) if application else "",
    }
    return render(request, "web/welcome.html", context)
