from django.apps import AppConfig


class CardscanConfig(AppConfig):
    name = "crm.cardscan"
    label = "cardscan"
