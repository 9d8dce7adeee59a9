from django.apps import AppConfig


class SwitchingConfig(AppConfig):
    name = "dkp.switching"
    label = "switching"
    verbose_name = "Switching day"

    def ready(self) -> None:
        # Imported loot, adjustments and rounding wait for a character's owner; ownership hands them over.
        from dkp.raids.ownership import register_owner_hook
        from dkp.switching.services import hand_over_imported

        register_owner_hook(hand_over_imported)
