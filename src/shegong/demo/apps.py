from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo jurisdiction builder. It sits above every domain app and calls their services;
    each issue adds its part (people, visits, …) as a module here."""

    name = "shegong.demo"
    label = "demo"
