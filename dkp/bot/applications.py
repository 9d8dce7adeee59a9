"""``/apply`` (a modal over ``submit_application``) and the vote buttons on application posts.

The modal holds at most five inputs (Discord's limit): the main character's name, class and level in
one field, and up to three of the guild's questions. A guild that asks more, or asks a question too
long for a modal, gets a link to the web form instead. The vote buttons are a DynamicItem over the
custom ids of ``dkp.discord.components``, so the buttons the REST poster attaches work in the bot
without any bookkeeping, also after a restart.

The modal's submit and the vote buttons defer before they touch the database (Discord waits three
seconds for a first answer). ``/apply`` must answer with the modal itself, so it cannot defer: its
checks and the questions get two seconds, after which it points to the web form instead.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from dkp.bot.core import DkpModal, answering, db, say, signed_up_user, site_url, within
from dkp.core.errors import Conflict, InvalidInput, NotFound
from dkp.core.models import GuildSettings
from dkp.core.roles import Capability, require
from dkp.discord.components import VOTE_CHOICES, VOTE_LABELS, VOTE_STYLES, VOTE_TEMPLATE, vote_custom_id
from dkp.recruitment.models import GuildApplication
from dkp.recruitment.selectors import open_application_of, open_questions
from dkp.recruitment.services import cast_vote, submit_application

if TYPE_CHECKING:
    from dkp.accounts.models import User
    from dkp.bot.core import DkpBot

log = logging.getLogger(__name__)

FORM_SECONDS = 2.0  # /apply answers with a modal within Discord's 3 seconds, or with a link to the web form
MODAL_QUESTIONS = 3  # five inputs at most: name, class and level, and three questions
LABEL_MAX = 45  # Discord's limit on a modal label (and a modal title)
DESCRIPTION_MAX = 100  # Discord's limit on a label's description
MODAL_TIMEOUT = 30 * 60  # long answers take a while to type

# What players write for a class, beside its full name.
CLASS_SHORT_NAMES = {
    "war": "Warrior",
    "clr": "Cleric",
    "pal": "Paladin",
    "rng": "Ranger",
    "shd": "Shadow Knight",
    "sk": "Shadow Knight",
    "dru": "Druid",
    "mnk": "Monk",
    "brd": "Bard",
    "rog": "Rogue",
    "shm": "Shaman",
    "nec": "Necromancer",
    "wiz": "Wizard",
    "mag": "Magician",
    "enc": "Enchanter",
    "bst": "Beastlord",
    "ber": "Berserker",
}
CLASS_LEVEL_EXAMPLE = "Shadow Knight 65"


def parse_class_level(text: str) -> tuple[str, int]:
    """``"Shadow Knight 65"``, ``"65 SHD"`` or ``"Ranger, level 60"`` → (class, level); the service checks both."""
    words = [w for w in (text or "").replace(",", " ").split() if w.casefold() not in {"level", "lvl", "lv"}]
    numbers = [w for w in words if w.isascii() and w.isdigit()]
    rest = [w for w in words if not (w.isascii() and w.isdigit())]
    if len(numbers) != 1 or not rest:
        raise InvalidInput(
            f"Write your class and level, e.g. “{CLASS_LEVEL_EXAMPLE}”, not {text.strip()!r}.",
            code="invalid_class_level",
        )
    eq_class = " ".join(rest)
    return CLASS_SHORT_NAMES.get(eq_class.casefold(), eq_class), int(numbers[0])


def short_label(text: str) -> str:
    """The text, or as many of its words as fit Discord's label limit, with an ellipsis."""
    if len(text) <= LABEL_MAX:
        return text
    cut = text[: LABEL_MAX - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut).rstrip(" ,;:") + "…"


@dataclass(frozen=True)
class Question:
    pk: int
    text: str
    required: bool


@dataclass(frozen=True)
class ApplyForm:
    guild_name: str
    questions: tuple[Question, ...]

    @property
    def fits_a_modal(self) -> bool:
        return len(self.questions) <= MODAL_QUESTIONS and all(len(q.text) <= DESCRIPTION_MAX for q in self.questions)


# --- work run through db() -----------------------------------------------------------------------


def _apply_form(applicant: User) -> ApplyForm:
    """The form to show, after the refusals the service would give at the end anyway."""

    require(applicant, Capability.APPLY)
    open_application = open_application_of(user=applicant)
    if open_application is not None:
        raise Conflict(
            f"You already have an open application ({open_application.character_name}, "
            f"{open_application.get_status_display().lower()}); follow it at {site_url('/applications/mine/')}",
            code="application_already_open",
        )
    questions = tuple(Question(q.pk, q.text, q.required) for q in open_questions())
    return ApplyForm(guild_name=GuildSettings.load().guild_name, questions=questions)


def _submit(applicant: User, name: str, class_level: str, answers: dict[int, str]) -> str:

    eq_class, level = parse_class_level(class_level)
    application = submit_application(
        applicant=applicant, character_name=name, character_class=eq_class, character_level=level, answers=answers
    )
    return (
        f"Application received: {application.character_name} (level {application.character_level} "
        f"{application.character_class}). The officers and members will look at it; follow it at "
        f"{site_url('/applications/mine/')}"
    )


def _vote(voter: User, application_id: int, choice: str) -> str:

    application = GuildApplication.objects.filter(pk=application_id).first()
    if application is None:
        raise NotFound("That application is no longer there.", code="application_not_found")
    vote = cast_vote(application=application, voter=voter, choice=choice)
    return f"Your vote on {application.character_name}: {vote.get_choice_display()}"


# --- the modal -----------------------------------------------------------------------------------


class ApplyModal(DkpModal):
    """Name, class and level, and the guild's questions; submitting calls ``submit_application``."""

    def __init__(self, form: ApplyForm) -> None:
        super().__init__(title=short_label(f"Apply to {form.guild_name}"), timeout=MODAL_TIMEOUT)
        self.character = discord.ui.TextInput[ApplyModal](custom_id="character", max_length=15, placeholder="Zelroso")
        self.class_level = discord.ui.TextInput[ApplyModal](
            custom_id="class_level", max_length=40, placeholder=CLASS_LEVEL_EXAMPLE
        )
        self.add_item(discord.ui.Label(text="Your main character's name", component=self.character))
        self.add_item(discord.ui.Label(text="Class and level", component=self.class_level))
        self.answers: dict[int, discord.ui.TextInput[ApplyModal]] = {}
        for question in form.questions:
            answer = discord.ui.TextInput[ApplyModal](
                custom_id=f"question-{question.pk}",
                style=discord.TextStyle.paragraph,
                required=question.required,
                max_length=4000,
            )
            self.answers[question.pk] = answer
            description = question.text if len(question.text) > LABEL_MAX else None
            self.add_item(discord.ui.Label(text=short_label(question.text), description=description, component=answer))

    async def on_submit(self, interaction: discord.Interaction) -> None:
        # The values are read before the first await, so nothing arriving meanwhile can change them.
        character, class_level = self.character.value, self.class_level.value
        answers = {pk: field.value for pk, field in self.answers.items()}
        async with answering(interaction):
            await interaction.response.defer(ephemeral=True, thinking=True)
            applicant = await signed_up_user(interaction)
            reply = await db(_submit, applicant, character, class_level, answers)
            await say(interaction, reply)


@app_commands.command(name="apply", description="Apply to join the guild.")
@app_commands.guild_only()
async def apply_command(interaction: discord.Interaction) -> None:
    async def load_form() -> ApplyForm:
        applicant = await signed_up_user(interaction)
        return await db(_apply_form, applicant)

    # The modal has to be the first answer, so no defer: the lookup is bounded instead.
    async with answering(interaction):
        try:
            form = await within(interaction, FORM_SECONDS, load_form())
        except TimeoutError:
            log.warning("/apply: the form took too long to load; pointing to the web form")
            await say(
                interaction,
                f"The application form is slow to load right now; try /apply again in a moment, or apply on the "
                f"web at {site_url('/applications/apply/')}",
            )
            return
        if not form.fits_a_modal:
            await say(
                interaction,
                f"{form.guild_name} asks more than fits in a Discord form; apply on the web at "
                f"{site_url('/applications/apply/')}",
            )
            return
        await interaction.response.send_modal(ApplyModal(form))


# --- vote buttons --------------------------------------------------------------------------------


class VoteButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=VOTE_TEMPLATE):
    """Yes, No or Abstain on one application; the custom id names both."""

    def __init__(self, application_id: int, choice: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=VOTE_LABELS[choice],
                style=discord.ButtonStyle(VOTE_STYLES[choice]),
                custom_id=vote_custom_id(application_id, choice),
            )
        )
        self.application_id = application_id
        self.choice = choice

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: Any, /
    ) -> VoteButton:
        return cls(int(match["application_id"]), match["choice"])

    async def callback(self, interaction: discord.Interaction) -> None:
        # A dynamic item has no view error handler of its own (discord.py only logs): answering() is its net.
        async with answering(interaction):
            await interaction.response.defer(ephemeral=True, thinking=True)
            voter = await signed_up_user(interaction)
            await say(interaction, await db(_vote, voter, self.application_id, self.choice))


def vote_view(application_id: int) -> discord.ui.View:
    """The vote buttons as a view, for the bot's own posts (the REST poster uses ``vote_components``)."""

    view = discord.ui.View(timeout=None)
    for choice in VOTE_CHOICES:
        view.add_item(VoteButton(application_id, choice))
    return view


async def setup(bot: DkpBot) -> None:
    """Add this module's commands, buttons and loops to the bot."""
    bot.tree.add_command(apply_command)
    bot.add_dynamic_items(VoteButton)
