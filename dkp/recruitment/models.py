"""Applications to the guild, the members' votes and comments on them."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from dkp.characters.models import EqClass
from dkp.core.models import TimeStamped


class ApplicationQuestion(models.Model):
    """A question officers ask every applicant; answers keep the text as it was asked."""

    text = models.CharField(max_length=300)
    required = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.text


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", "Submitted"
    VOTING = "voting", "Voting"
    TRIAL = "trial", "Trial"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"


OPEN_APPLICATION_STATUSES = (ApplicationStatus.SUBMITTED, ApplicationStatus.VOTING, ApplicationStatus.TRIAL)


class GuildApplication(TimeStamped):
    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="applications")
    character_name = models.CharField(max_length=15)
    character_class = models.CharField(max_length=16, choices=EqClass.choices)
    character_level = models.PositiveSmallIntegerField()
    answers = models.JSONField(default=list, help_text="[{question, answer}] with each question as it was asked.")
    status = models.CharField(max_length=9, choices=ApplicationStatus.choices, default=ApplicationStatus.SUBMITTED)
    voting_closes_at = models.DateTimeField(null=True, blank=True)
    trial_ends_at = models.DateField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["applicant"],
                condition=models.Q(status__in=["submitted", "voting", "trial"]),
                name="one_open_application_per_applicant",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=ApplicationStatus.values), name="application_status_valid"
            ),
        ]
        indexes = [models.Index(fields=["status", "-created_at"], name="application_by_stage")]

    def __str__(self) -> str:
        return f"{self.character_name} ({self.get_status_display()})"


class ApplicationStageChange(models.Model):
    """Each move of an application between stages: who, when and why."""

    application = models.ForeignKey(GuildApplication, on_delete=models.CASCADE, related_name="stage_changes")
    from_status = models.CharField(max_length=9, choices=ApplicationStatus.choices, blank=True)
    to_status = models.CharField(max_length=9, choices=ApplicationStatus.choices)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.from_status or '—'} → {self.to_status}"


class VoteChoice(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    ABSTAIN = "abstain", "Abstain"


class ApplicationVote(TimeStamped):
    application = models.ForeignKey(GuildApplication, on_delete=models.CASCADE, related_name="votes")
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="application_votes")
    choice = models.CharField(max_length=7, choices=VoteChoice.choices)
    attendance_30 = models.DecimalField(
        max_digits=5, decimal_places=2, help_text="Voter's 30-day attendance when cast."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["application", "voter"], name="one_vote_per_member"),
            models.CheckConstraint(condition=models.Q(choice__in=VoteChoice.values), name="vote_choice_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.voter}: {self.choice}"


class CommentVisibility(models.TextChoices):
    MEMBERS = "members", "Members"
    OFFICERS = "officers", "Officers and recruiters"


class ApplicationComment(TimeStamped):
    application = models.ForeignKey(GuildApplication, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    visibility = models.CharField(max_length=8, choices=CommentVisibility.choices, default=CommentVisibility.MEMBERS)
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [models.CheckConstraint(condition=~models.Q(body=""), name="comment_body_required")]

    def __str__(self) -> str:
        return f"{self.author} on {self.application}"
