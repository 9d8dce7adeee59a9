"""A role given or taken in Discord reaches the member's role group through the bot's member-update event;
a member who (re)joins the server gets the app's role group pushed instead of being pulled down to guest."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings
from django.utils import timezone

from dkp.accounts import services as account_services
from dkp.accounts.models import User
from dkp.core.roles import RoleGroup
from dkp.discord.models import DiscordSyncLog
from dkp.testing.personas import Guild
from dkp.testing.simcord_world import GUILD_ID, World, in_discord


def _joins_long_pushed() -> None:
    """The personas joined the server when the world was built, which queued pushes of their groups;
    here those pushes landed long ago, so Discord's changes are pulled again."""
    long_ago = timezone.now() - dt.timedelta(hours=1)
    User.objects.update(role_group_changed_at=long_ago, discord_synced_at=long_ago, discord_pushed_at=long_ago)


def test_promotion_and_demotion_in_discord_reach_the_app_and_unmanaged_roles_do_nothing(guild: Guild) -> None:
    async def scenario(world: World) -> list[str]:
        from dkp.bot.core import db

        officer = world.server.create_role("Officer")
        member = world.server.create_role("Raider")
        bard_choir = world.server.create_role("Bard Choir")  # not one of ours
        role_ids = f"officer:{officer.id},member:{member.id}"
        seen: list[str] = []

        async def role_group_now() -> None:
            user = await db(User.objects.get, pk=guild.good_member.pk)
            seen.append(user.role_group)

        await world.env.settle()
        await db(_joins_long_pushed)
        with override_settings(DISCORD_ROLE_IDS=role_ids):
            backend = world.env.backend
            gwen = world.good_member.id
            backend.add_member_role(int(GUILD_ID), gwen, member.id)
            await world.env.settle()
            await role_group_now()
            backend.add_member_role(int(GUILD_ID), gwen, officer.id)
            await world.env.settle()
            await role_group_now()
            backend.add_member_role(int(GUILD_ID), gwen, bard_choir.id)
            await world.env.settle()
            await role_group_now()
            backend.remove_member_role(int(GUILD_ID), gwen, officer.id)
            await world.env.settle()
            await role_group_now()
        return seen

    seen = in_discord(guild, scenario)

    assert seen == [RoleGroup.MEMBER, RoleGroup.OFFICER, RoleGroup.OFFICER, RoleGroup.MEMBER]
    changes = DiscordSyncLog.objects.filter(
        user=guild.good_member,
        direction=DiscordSyncLog.Direction.FROM_DISCORD,
        action=DiscordSyncLog.Action.SET_ROLE_GROUP,
    ).order_by("id")
    assert [row.role for row in changes] == [RoleGroup.OFFICER, RoleGroup.MEMBER]


def test_a_member_who_rejoins_the_server_gets_their_group_pushed_and_is_not_demoted(
    guild: Guild, monkeypatch: pytest.MonkeyPatch
) -> None:
    pushed: list[int] = []
    monkeypatch.setattr(account_services, "push_role_group_after_commit", lambda *, user: pushed.append(user.pk))

    async def scenario(world: World) -> tuple[str, list[int]]:
        from dkp.bot.core import db

        member = world.server.create_role("Raider")
        bard_choir = world.server.create_role("Bard Choir")  # not one of ours
        await world.env.settle()
        await db(_joins_long_pushed)
        pushed.clear()
        with override_settings(DISCORD_ROLE_IDS=f"member:{member.id}"):
            world.server.remove_member(world.good_member)  # gwen leaves the server...
            await world.env.settle()
            world.server.add_member(world.good_member.user)  # ...and comes back, with no roles at all
            await world.env.settle()
            pushed_on_join = list(pushed)
            # Discord's next member update still shows no guild role: not a demotion, the push is on its way.
            world.env.backend.add_member_role(int(GUILD_ID), world.good_member.id, bard_choir.id)
            await world.env.settle()
            gwen = await db(User.objects.get, pk=guild.good_member.pk)
        return gwen.role_group, pushed_on_join

    role_group, pushed_on_join = in_discord(guild, scenario)

    assert pushed_on_join == [guild.good_member.pk]
    assert role_group == RoleGroup.MEMBER
    guild.good_member.refresh_from_db()
    assert guild.good_member.role_group_changed_at is not None
    assert guild.good_member.discord_synced_at is not None
    assert guild.good_member.role_group_changed_at > guild.good_member.discord_synced_at  # pending: pushed, not pulled
    assert not DiscordSyncLog.objects.filter(
        user=guild.good_member, action=DiscordSyncLog.Action.SET_ROLE_GROUP, result=DiscordSyncLog.Result.OK
    ).exists()


def test_a_guest_or_a_stranger_joining_queues_nothing(guild: Guild, monkeypatch: pytest.MonkeyPatch) -> None:
    pushed: list[int] = []
    monkeypatch.setattr(account_services, "push_role_group_after_commit", lambda *, user: pushed.append(user.pk))

    async def scenario(world: World) -> list[int]:
        await world.env.settle()
        pushed.clear()
        world.server.remove_member(world.guest)
        await world.env.settle()
        world.server.add_member(world.guest.user)
        world.server.add_member(world.env.create_user("stranger"))
        await world.env.settle()
        return list(pushed)

    assert in_discord(guild, scenario) == []
    guild.guest.refresh_from_db()
    assert guild.guest.role_group == RoleGroup.GUEST
