from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "dkp.accounts"
    label = "accounts"
