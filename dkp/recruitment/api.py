"""API doors for recruitment: applying, following an application, moving it, votes, comments, questions.

Who may read what is the selectors' business (members read all applications, an applicant their
own); who may change what is the services'. API keys: reads need ``read``; casting a vote needs
``bid`` (like bidding, it is a member's everyday act); everything else that writes needs ``write``.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from dkp.characters.models import EqClass
from dkp.core.api import API_PERMISSIONS, ERROR_RESPONSES, WholeNumberLookup, acting_user
from dkp.core.errors import InvalidInput, NotFound
from dkp.core.fields import WholeNumberField
from dkp.core.numbers import record_id
from dkp.core.roles import Capability, can
from dkp.recruitment import selectors, services
from dkp.recruitment.models import (
    ApplicationComment,
    ApplicationQuestion,
    ApplicationStageChange,
    ApplicationStatus,
    ApplicationVote,
    CommentVisibility,
    GuildApplication,
    VoteChoice,
)

# --- Output --------------------------------------------------------------------------------------


class ApplicationTallySerializer(serializers.Serializer[selectors.Tally]):
    yes = serializers.IntegerField()
    no = serializers.IntegerField()
    abstain = serializers.IntegerField()
    total = serializers.IntegerField()


class ApplicationAnswerSerializer(serializers.Serializer[dict[str, str]]):
    question = serializers.CharField(help_text="The question's text as it was asked.")
    answer = serializers.CharField()


class ApplicationVoteSerializer(serializers.ModelSerializer[ApplicationVote]):
    voter_name = serializers.CharField(source="voter.name", read_only=True)

    class Meta:
        model = ApplicationVote
        fields = ["id", "application", "voter", "voter_name", "choice", "attendance_30", "created_at", "updated_at"]
        read_only_fields = fields


class ApplicationCommentSerializer(serializers.ModelSerializer[ApplicationComment]):
    author_name = serializers.CharField(source="author.name", read_only=True)

    class Meta:
        model = ApplicationComment
        fields = ["id", "application", "author", "author_name", "visibility", "body", "created_at", "edited_at"]
        read_only_fields = fields


class ApplicationStageChangeSerializer(serializers.ModelSerializer[ApplicationStageChange]):
    changed_by_name = serializers.CharField(source="changed_by.name", read_only=True, allow_null=True)

    class Meta:
        model = ApplicationStageChange
        fields = ["from_status", "to_status", "changed_by", "changed_by_name", "reason", "created_at"]
        read_only_fields = fields


class VoteEligibilitySerializer(serializers.Serializer[selectors.Eligibility]):
    allowed = serializers.BooleanField()
    attendance_30 = serializers.DecimalField(max_digits=5, decimal_places=2)
    threshold = serializers.IntegerField(help_text="Percent of 30-day attendance needed to vote.")
    reason = serializers.CharField(help_text="Why not, when not allowed; empty otherwise.")


def _viewer(serializer: serializers.Serializer[Any]) -> Any:
    return serializer.context["request"].user


class GuildApplicationSerializer(serializers.ModelSerializer[GuildApplication]):
    applicant_name = serializers.CharField(source="applicant.name", read_only=True)
    decided_by_name = serializers.CharField(source="decided_by.name", read_only=True, allow_null=True)
    tally = serializers.SerializerMethodField(help_text="Members only; null for the applicant.")

    class Meta:
        model = GuildApplication
        fields = [
            "id",
            "applicant",
            "applicant_name",
            "character_name",
            "character_class",
            "character_level",
            "status",
            "voting_closes_at",
            "trial_ends_at",
            "decided_by",
            "decided_by_name",
            "decided_at",
            "created_at",
            "updated_at",
            "tally",
        ]
        read_only_fields = fields

    @extend_schema_field(ApplicationTallySerializer(allow_null=True))
    def get_tally(self, application: GuildApplication) -> dict[str, int] | None:
        if not can(_viewer(self), Capability.READ_APPLICATIONS):
            return None
        annotated: Any = application  # applications_for() counts the votes in its one query
        if hasattr(annotated, "yes_votes"):
            yes, no, abstain = annotated.yes_votes, annotated.no_votes, annotated.abstain_votes
            counts = selectors.Tally(yes=yes, no=no, abstain=abstain, total=yes + no + abstain)
        else:
            counts = selectors.tally(application=application)
        return dict(ApplicationTallySerializer(counts).data)


class GuildApplicationDetailSerializer(GuildApplicationSerializer):
    answers = ApplicationAnswerSerializer(many=True, read_only=True)
    votes = serializers.SerializerMethodField(help_text="Who voted what: recruiters and officers only.")
    my_vote = serializers.SerializerMethodField(help_text="The viewer's own vote, if any.")
    vote_eligibility = serializers.SerializerMethodField(help_text="Whether the viewer may vote, and why not.")
    comments = serializers.SerializerMethodField(help_text="The comments the viewer may read, oldest first.")
    stage_changes = serializers.SerializerMethodField(help_text="Every stage change: who, when and why.")

    class Meta(GuildApplicationSerializer.Meta):
        fields = [
            *GuildApplicationSerializer.Meta.fields,
            "answers",
            "votes",
            "my_vote",
            "vote_eligibility",
            "comments",
            "stage_changes",
        ]
        read_only_fields = fields

    @extend_schema_field(ApplicationVoteSerializer(many=True))
    def get_votes(self, application: GuildApplication) -> list[Any]:
        votes = selectors.visible_votes(viewer=_viewer(self), application=application)
        return list(ApplicationVoteSerializer(votes, many=True).data)

    @extend_schema_field(ApplicationVoteSerializer(allow_null=True))
    def get_my_vote(self, application: GuildApplication) -> dict[str, Any] | None:
        vote = selectors.own_vote(voter=_viewer(self), application=application)
        return None if vote is None else dict(ApplicationVoteSerializer(vote).data)

    @extend_schema_field(VoteEligibilitySerializer)
    def get_vote_eligibility(self, application: GuildApplication) -> dict[str, Any]:
        return dict(VoteEligibilitySerializer(selectors.vote_eligibility(user=_viewer(self))).data)

    @extend_schema_field(ApplicationCommentSerializer(many=True))
    def get_comments(self, application: GuildApplication) -> list[Any]:
        comments = selectors.visible_comments(viewer=_viewer(self), application=application)
        return list(ApplicationCommentSerializer(comments, many=True).data)

    @extend_schema_field(ApplicationStageChangeSerializer(many=True))
    def get_stage_changes(self, application: GuildApplication) -> list[Any]:
        return list(ApplicationStageChangeSerializer(selectors.stage_history(application=application), many=True).data)


class ApplicationQuestionSerializer(serializers.ModelSerializer[ApplicationQuestion]):
    class Meta:
        model = ApplicationQuestion
        fields = ["id", "text", "required", "position", "is_active"]
        read_only_fields = ["id"]


# --- Input ---------------------------------------------------------------------------------------


class ApplicationAnswerInputSerializer(serializers.Serializer[dict[str, Any]]):
    question = WholeNumberField(record_id("question"), help_text="The question's id, from /application-questions/.")
    answer = serializers.CharField(allow_blank=True, max_length=services.ANSWER_MAX)


class ApplicationInputSerializer(serializers.Serializer[GuildApplication]):
    character_name = serializers.CharField(max_length=services.CHARACTER_NAME_MAX)
    character_class = serializers.ChoiceField(choices=EqClass.choices)
    character_level = WholeNumberField(services.LEVEL)
    answers = ApplicationAnswerInputSerializer(many=True, required=False, default=list)


class WithdrawInputSerializer(serializers.Serializer[GuildApplication]):
    reason = serializers.CharField(max_length=services.REASON_MAX, required=False, allow_blank=True, default="")


class MoveInputSerializer(serializers.Serializer[GuildApplication]):
    status = serializers.ChoiceField(
        choices=ApplicationStatus.choices,
        help_text="The next stage: voting, trial, or (officers only) accepted or rejected.",
    )
    reason = serializers.CharField(max_length=services.REASON_MAX, required=False, allow_blank=True, default="")
    voting_closes_at = serializers.DateTimeField(
        required=False, allow_null=True, default=None, help_text="Moving to voting: default a week from now."
    )
    trial_ends_at = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="Moving to trial: required."
    )
    confirm_open_vote = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Accepting or starting a trial while voting is open: true to confirm (else 409 with the tally).",
    )


class VoteInputSerializer(serializers.Serializer[ApplicationVote]):
    choice = serializers.ChoiceField(choices=VoteChoice.choices)


class CommentInputSerializer(serializers.Serializer[ApplicationComment]):
    body = serializers.CharField(max_length=services.COMMENT_MAX)
    visibility = serializers.ChoiceField(
        choices=CommentVisibility.choices,
        default=CommentVisibility.MEMBERS,
        help_text="officers: recruiters and officers only.",
    )


class CommentEditInputSerializer(serializers.Serializer[ApplicationComment]):
    body = serializers.CharField(max_length=services.COMMENT_MAX)


class QuestionInputSerializer(serializers.Serializer[ApplicationQuestion]):
    text = serializers.CharField(max_length=services.QUESTION_MAX)
    required = serializers.BooleanField(default=True)  # type: ignore[assignment]  # a payload field named like Field.required
    position = WholeNumberField(services.QUESTION_POSITION, default=0)
    is_active = serializers.BooleanField(default=True)


class QuestionPatchSerializer(serializers.Serializer[ApplicationQuestion]):
    text = serializers.CharField(max_length=services.QUESTION_MAX, required=False)
    required = serializers.BooleanField(required=False)  # type: ignore[assignment]  # a payload field named like Field.required
    position = WholeNumberField(services.QUESTION_POSITION, required=False)
    is_active = serializers.BooleanField(required=False)


# --- Doors ---------------------------------------------------------------------------------------


def _pk(value: int | str) -> int:
    return int(value)  # WholeNumberLookup has already read the id in the address strictly


@extend_schema_view(
    list=extend_schema(
        parameters=[OpenApiParameter("status", OpenApiTypes.STR, enum=ApplicationStatus.values)],
        responses={200: GuildApplicationSerializer(many=True), **ERROR_RESPONSES},
    ),
    retrieve=extend_schema(responses={200: GuildApplicationDetailSerializer, **ERROR_RESPONSES}),
)
class GuildApplicationViewSet(
    WholeNumberLookup, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[GuildApplication]
):
    """Applications: members read them all, an applicant their own; the actions move them along."""

    permission_classes = API_PERMISSIONS
    serializer_class = GuildApplicationSerializer
    filter_backends: list[Any] = []  # the stage filter is the selector's
    capability_by_action = {
        "list": None,
        "retrieve": None,
        "create": Capability.APPLY,
        "withdraw": None,  # the applicant's own act, whatever their role by then
        "move": Capability.MOVE_APPLICATIONS,
        "vote": Capability.VOTE,
        "comments": None,  # members, and the applicant on their own application
    }
    scope_by_action = {"vote": "bid"}

    def get_queryset(self) -> QuerySet[GuildApplication]:
        if getattr(self, "swagger_fake_view", False):
            return GuildApplication.objects.none()
        return selectors.applications_for(
            viewer=acting_user(self.request), status=self.request.query_params.get("status") or None
        )

    def _application(self, pk: str) -> GuildApplication:
        return selectors.application_for(viewer=acting_user(self.request), application_id=_pk(pk))

    def _detail(self, application: GuildApplication, *, status_code: int = status.HTTP_200_OK) -> Response:
        fresh = self._application(str(application.pk))
        return Response(
            GuildApplicationDetailSerializer(fresh, context=self.get_serializer_context()).data, status=status_code
        )

    def retrieve(self, request: Request, pk: str, **kwargs: Any) -> Response:
        """One application with its answers, tally, votes (by permission), comments and stage history."""
        return self._detail(self._application(pk))

    @extend_schema(
        request=ApplicationInputSerializer, responses={201: GuildApplicationDetailSerializer, **ERROR_RESPONSES}
    )
    def create(self, request: Request) -> Response:
        """Apply to the guild with your main character and answers to the guild's questions."""
        payload = ApplicationInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        answers: dict[int, str] = {}
        for item in payload.validated_data["answers"]:
            if item["question"] in answers:
                raise InvalidInput("Answer each question once.", code="duplicate_answer")
            answers[item["question"]] = item["answer"]
        application = services.submit_application(
            applicant=acting_user(request),
            character_name=payload.validated_data["character_name"],
            character_class=payload.validated_data["character_class"],
            character_level=payload.validated_data["character_level"],
            answers=answers,
        )
        return self._detail(application, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        request=WithdrawInputSerializer, responses={200: GuildApplicationDetailSerializer, **ERROR_RESPONSES}
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str, **kwargs: Any) -> Response:
        """Take your application back, at any stage before a decision."""
        application = self._application(pk)
        payload = WithdrawInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.withdraw_application(
            application=application, actor=acting_user(request), reason=payload.validated_data["reason"]
        )
        return self._detail(application)

    @extend_schema(request=MoveInputSerializer, responses={200: GuildApplicationDetailSerializer, **ERROR_RESPONSES})
    @action(detail=True, methods=["post"])
    def move(self, request: Request, pk: str, **kwargs: Any) -> Response:
        """Move to voting, trial, or (officers) accept or reject."""
        application = self._application(pk)
        payload = MoveInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.move_application(
            application=application,
            to_status=payload.validated_data["status"],
            actor=acting_user(request),
            reason=payload.validated_data["reason"],
            voting_closes_at=payload.validated_data["voting_closes_at"],
            trial_ends_at=payload.validated_data["trial_ends_at"],
            confirm_open_vote=payload.validated_data["confirm_open_vote"],
        )
        return self._detail(application)

    @extend_schema(request=VoteInputSerializer, responses={200: ApplicationVoteSerializer, **ERROR_RESPONSES})
    @action(detail=True, methods=["post"])
    def vote(self, request: Request, pk: str, **kwargs: Any) -> Response:
        """Vote yes, no or abstain while voting is open; voting again changes your vote."""
        application = self._application(pk)
        payload = VoteInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        vote = services.cast_vote(
            application=application, voter=acting_user(request), choice=payload.validated_data["choice"]
        )
        return Response(ApplicationVoteSerializer(vote).data)

    @extend_schema(request=CommentInputSerializer, responses={201: ApplicationCommentSerializer, **ERROR_RESPONSES})
    @action(detail=True, methods=["post"])
    def comments(self, request: Request, pk: str, **kwargs: Any) -> Response:
        """Comment on an application; recruiters and officers may write officer-only comments."""
        application = self._application(pk)
        payload = CommentInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        comment = services.add_comment(
            application=application,
            author=acting_user(request),
            body=payload.validated_data["body"],
            visibility=payload.validated_data["visibility"],
        )
        return Response(ApplicationCommentSerializer(comment).data, status=status.HTTP_201_CREATED)


class ApplicationCommentViewSet(WholeNumberLookup, viewsets.GenericViewSet[ApplicationComment]):
    """A comment on an application: its author may rewrite it (it keeps its time and shows as edited)."""

    permission_classes = API_PERMISSIONS
    serializer_class = ApplicationCommentSerializer
    filter_backends: list[Any] = []
    capability_by_action = {"partial_update": None}  # the author only: the selector decides

    def get_queryset(self) -> QuerySet[ApplicationComment]:
        return ApplicationComment.objects.none()

    @extend_schema(request=CommentEditInputSerializer, responses={200: ApplicationCommentSerializer, **ERROR_RESPONSES})
    def partial_update(self, request: Request, pk: str, **kwargs: Any) -> Response:
        """Rewrite your own comment."""
        comment = selectors.comment_for_edit(viewer=acting_user(request), comment_id=_pk(pk))
        payload = CommentEditInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        edited = services.edit_comment(comment=comment, actor=acting_user(request), body=payload.validated_data["body"])
        return Response(ApplicationCommentSerializer(edited).data)


@extend_schema_view(
    list=extend_schema(responses={200: ApplicationQuestionSerializer(many=True), **ERROR_RESPONSES}),
    retrieve=extend_schema(responses={200: ApplicationQuestionSerializer, **ERROR_RESPONSES}),
)
class ApplicationQuestionViewSet(
    WholeNumberLookup, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[ApplicationQuestion]
):
    """The questions every applicant answers; officers add, reword, reorder and retire them."""

    permission_classes = API_PERMISSIONS
    serializer_class = ApplicationQuestionSerializer
    filter_backends: list[Any] = []
    pagination_class = None  # a short list, read whole by the application form
    capability_by_action = {
        "list": None,
        "retrieve": None,
        "create": Capability.MANAGE_GUILD,
        "partial_update": Capability.MANAGE_GUILD,
    }

    def get_queryset(self) -> QuerySet[ApplicationQuestion]:
        if getattr(self, "swagger_fake_view", False):
            return ApplicationQuestion.objects.none()
        return selectors.questions_for(viewer=acting_user(self.request))

    def _question(self, pk: str) -> ApplicationQuestion:
        question = self.get_queryset().filter(pk=_pk(pk)).first()
        if question is None:
            raise NotFound("No such question.")
        return question

    def retrieve(self, request: Request, pk: str, **kwargs: Any) -> Response:
        return Response(ApplicationQuestionSerializer(self._question(pk)).data)

    @extend_schema(request=QuestionInputSerializer, responses={201: ApplicationQuestionSerializer, **ERROR_RESPONSES})
    def create(self, request: Request) -> Response:
        """Ask every new applicant a new question."""
        payload = QuestionInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        question = services.create_question(actor=acting_user(request), **payload.validated_data)
        return Response(ApplicationQuestionSerializer(question).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=QuestionPatchSerializer, responses={200: ApplicationQuestionSerializer, **ERROR_RESPONSES})
    def partial_update(self, request: Request, pk: str, **kwargs: Any) -> Response:
        """Reword, reorder or retire a question; answers already given keep the text they answered."""
        question = self._question(pk)
        payload = QuestionPatchSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        updated = services.update_question(question=question, actor=acting_user(request), **payload.validated_data)
        return Response(ApplicationQuestionSerializer(updated).data)
