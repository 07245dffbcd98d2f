from django.apps import AppConfig


class UsersConfig(AppConfig):
    name = "crm.users"
    label = "users"
    verbose_name = "Users and teams"
