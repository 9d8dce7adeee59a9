"""Run the stand-in Discord on loopback for a demo of the real sign-in flow, no Discord needed."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from dkp.core.roles import RoleGroup
from dkp.discord.roles import parse_role_ids
from dkp.discord.standin import DiscordStandin

DEMO_CLIENT_ID = "100000000000000001"
DEMO_CLIENT_SECRET = "standin-demo-secret"
DEMO_GUILD_ID = "100000000000000900"
DEMO_ROLE_IDS = "officer:111,recruiter:222,developer:333,member:444,applicant:555"


class Command(BaseCommand):
    help = "Serve a stand-in Discord (OAuth2 + member endpoint) on 127.0.0.1 and sign in as one demo person."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument(
            "--as",
            dest="role",
            choices=[group.value for group in RoleGroup],
            default=RoleGroup.OFFICER.value,
            help="Who the stand-in signs in: a Discord user holding this role ('guest' is not in the server).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        role_ids = settings.DISCORD_ROLE_IDS or DEMO_ROLE_IDS
        role_id_of = {group: role_id for role_id, group in parse_role_ids(role_ids).items()}
        group = RoleGroup(options["role"])
        client_id = settings.DISCORD_CLIENT_ID or DEMO_CLIENT_ID
        client_secret = settings.DISCORD_CLIENT_SECRET or DEMO_CLIENT_SECRET
        guild_id = settings.DISCORD_GUILD_ID or DEMO_GUILD_ID
        standin = DiscordStandin(
            client_id=client_id, client_secret=client_secret, guild_id=guild_id, port=options["port"]
        )
        standin.signed_in_as = standin.add_user(
            id=f"20000000000000{list(RoleGroup.values).index(group.value):04d}",
            username=f"standin-{group.value}",
            global_name=f"Stand-in {group.label}",
            roles=[role_id_of[group]] if group in role_id_of else [],
            in_guild=group != RoleGroup.GUEST,
        )
        base = f"http://127.0.0.1:{options['port']}"
        self.stdout.write("Stand-in Discord running. Start the web server with:\n")
        for name, value in [
            ("DISCORD_OAUTH_BASE_URL", base),
            ("DISCORD_API_BASE_URL", f"{base}/api/v10"),
            ("DISCORD_CLIENT_ID", client_id),
            ("DISCORD_CLIENT_SECRET", client_secret),
            ("DISCORD_GUILD_ID", guild_id),
            ("DISCORD_ROLE_IDS", role_ids),
        ]:
            self.stdout.write(f"  export {name}={value}")
        self.stdout.write(f"Anyone pressing 'Sign in with Discord' becomes {standin.signed_in_as.global_name}.")
        try:
            standin.serve_forever()
        except KeyboardInterrupt:
            self.stdout.write("Stopped.")
