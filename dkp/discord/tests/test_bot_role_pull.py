"""A role given or taken in Discord reaches the member's role group through the bot's member-update event."""

from __future__ import annotations

from django.test import override_settings

from dkp.accounts.models import User
from dkp.core.personas import Guild
from dkp.core.roles import RoleGroup
from dkp.discord.models import DiscordSyncLog
from dkp.discord.tests.simcord_world import GUILD_ID, World, in_discord


def test_promotion_and_demotion_in_discord_reach_the_app_and_unmanaged_roles_do_nothing(guild: Guild) -> None:
    async def scenario(world: World) -> list[str]:
        officer = world.server.create_role("Officer")
        member = world.server.create_role("Raider")
        bard_choir = world.server.create_role("Bard Choir")  # not one of ours
        role_ids = f"officer:{officer.id},member:{member.id}"
        seen: list[str] = []

        async def role_group_now() -> None:
            from dkp.discord.bot.core import db

            user = await db(User.objects.get, pk=guild.good_member.pk)
            seen.append(user.role_group)

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
