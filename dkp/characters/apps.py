from django.apps import AppConfig


class CharactersConfig(AppConfig):
    name = "dkp.characters"
    label = "characters"
