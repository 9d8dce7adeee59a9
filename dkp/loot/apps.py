from django.apps import AppConfig


class LootConfig(AppConfig):
    name = "dkp.loot"
    label = "loot"

    def ready(self) -> None:
        # A loot charge in the ledger is reversed by taking the award back (see points.services.register_reverser).
        from dkp.loot.services import reverse_loot_entry
        from dkp.points.models import EntryKind
        from dkp.points.services import register_reverser

        register_reverser(EntryKind.LOOT, reverse_loot_entry)
