"""Announcements: written to the outbox in the caller's transaction, posted to Discord after commit."""

from __future__ import annotations

import pytest
from django.db import transaction

from dkp.core.models import GuildSettings
from dkp.discord.models import DiscordOutbox
from dkp.discord.notify import announce_after_commit
from dkp.discord.standin import DiscordStandin
from dkp.discord.tasks import deliver, deliver_outbox_message, deliver_unsent_outbox
from dkp.testing.standin_setup import ANNOUNCE_CHANNEL, discord_settings


@pytest.fixture
def announce_channel(discord: DiscordStandin) -> str:
    GuildSettings.objects.update_or_create(pk=1, defaults={"discord_announce_channel_id": ANNOUNCE_CHANNEL})
    return ANNOUNCE_CHANNEL


def announce(content: str = "New application: Tharn, 60 Shaman") -> DiscordOutbox:
    return announce_after_commit(
        kind=DiscordOutbox.Kind.APPLICATION_SUBMITTED, content=content, payload={"application_id": 7}
    )


def test_an_announcement_is_posted_to_the_channel_after_commit_and_marked_sent(
    discord: DiscordStandin, announce_channel: str, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            message = announce()
        assert discord.messages == []  # nothing leaves before the commit

    assert discord.messages_in(announce_channel) == ["New application: Tharn, 60 Shaman"]
    message.refresh_from_db()
    assert message.sent_at is not None
    assert message.discord_message_id == discord.messages[0].id
    assert message.channel_id == announce_channel
    assert (message.attempts, message.last_error) == (1, "")
    assert discord.messages[0].allowed_mentions == {"parse": []}  # an announcement pings nobody


def test_a_message_for_its_own_channel_goes_there(discord: DiscordStandin, announce_channel: str) -> None:
    message = DiscordOutbox.objects.create(kind=DiscordOutbox.Kind.OTHER, channel_id="7002", content="Officers only")

    deliver_outbox_message.delay(message.pk)

    assert discord.messages_in("7002") == ["Officers only"]
    assert discord.messages_in(announce_channel) == []


def test_an_announcement_in_a_rolled_back_transaction_posts_nothing(
    discord: DiscordStandin, announce_channel: str, django_capture_on_commit_callbacks
) -> None:
    def change_that_fails() -> None:
        with transaction.atomic():
            announce()
            raise RuntimeError("the change failed")

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError):
        change_that_fails()

    assert callbacks == []
    assert not DiscordOutbox.objects.exists()
    assert discord.messages == []
    assert discord.hits("post_message") == 0


def test_without_a_bot_token_the_message_stays_unsent_and_says_why(
    discord: DiscordStandin, announce_channel: str, django_capture_on_commit_callbacks
) -> None:
    with discord_settings(discord, DISCORD_BOT_TOKEN=""), django_capture_on_commit_callbacks(execute=True):
        message = announce()

    message.refresh_from_db()
    assert message.sent_at is None
    assert message.discord_message_id == ""
    assert "DISCORD_BOT_TOKEN" in message.last_error
    assert message.attempts == 0
    assert discord.requests == []


def test_without_an_announcement_channel_the_message_stays_unsent_and_says_why(
    discord: DiscordStandin, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        message = announce()

    message.refresh_from_db()
    assert message.sent_at is None
    assert "announcement channel" in message.last_error
    assert discord.requests == []


def test_a_discord_failure_is_recorded_on_the_row_and_a_later_run_sends_it(
    discord: DiscordStandin, announce_channel: str
) -> None:
    message = DiscordOutbox.objects.create(kind=DiscordOutbox.Kind.OTHER, content="Raid at 8")
    discord.channel_ids = {"1"}  # the bot cannot see the announcement channel

    assert deliver_outbox_message.delay(message.pk).get() is False  # does not raise

    message.refresh_from_db()
    assert message.sent_at is None
    assert message.attempts == 1
    assert "10003" in message.last_error

    discord.channel_ids = None
    assert deliver_unsent_outbox.delay().get() == 1
    message.refresh_from_db()
    assert message.sent_at is not None
    assert (message.attempts, message.last_error) == (2, "")
    assert discord.messages_in(announce_channel) == ["Raid at 8"]


def test_missing_send_permission_is_recorded_with_50013(discord: DiscordStandin, announce_channel: str) -> None:
    message = DiscordOutbox.objects.create(kind=DiscordOutbox.Kind.OTHER, content="Raid at 8")
    discord.fail("post_message", status=403, code=50013)

    deliver(message_id=message.pk)

    message.refresh_from_db()
    assert message.sent_at is None
    assert "50013" in message.last_error
    assert discord.hits("post_message") == 1


def test_a_rate_limited_post_is_retried_and_sent(discord: DiscordStandin, announce_channel: str) -> None:
    message = DiscordOutbox.objects.create(kind=DiscordOutbox.Kind.OTHER, content="Raid at 8")
    discord.fail("post_message", status=429, retry_after=0.01, times=1)

    deliver(message_id=message.pk)

    message.refresh_from_db()
    assert message.sent_at is not None
    assert discord.hits("post_message") == 2
    assert discord.messages_in(announce_channel) == ["Raid at 8"]


def test_a_sent_message_is_never_posted_twice(discord: DiscordStandin, announce_channel: str) -> None:
    message = DiscordOutbox.objects.create(kind=DiscordOutbox.Kind.OTHER, content="Raid at 8")

    deliver(message_id=message.pk)
    deliver(message_id=message.pk)
    deliver_unsent_outbox.delay()

    assert discord.messages_in(announce_channel) == ["Raid at 8"]


def test_messages_that_failed_too_often_are_left_for_a_person(discord: DiscordStandin, announce_channel: str) -> None:
    DiscordOutbox.objects.create(kind=DiscordOutbox.Kind.OTHER, content="Old news", attempts=5, last_error="x")

    assert deliver_unsent_outbox.delay().get() == 0
    assert discord.messages == []


def test_voting_opened_is_posted_with_the_vote_buttons_the_bot_answers(
    discord: DiscordStandin, announce_channel: str
) -> None:
    from dkp.discord.components import parse_vote_custom_id

    opened = announce_after_commit(
        kind=DiscordOutbox.Kind.VOTING_OPENED, content="Voting is open on Tharn.", payload={"application_id": 12}
    )
    plain = announce()

    assert deliver(message_id=opened.pk)
    assert deliver(message_id=plain.pk)

    voting, submitted = discord.messages
    buttons = [button for row in voting.components for button in row["components"]]
    assert [button["label"] for button in buttons] == ["Yes", "No", "Abstain"]
    assert [parse_vote_custom_id(button["custom_id"]) for button in buttons] == [
        (12, "yes"),
        (12, "no"),
        (12, "abstain"),
    ]
    assert submitted.components is None  # only the voting post carries buttons
