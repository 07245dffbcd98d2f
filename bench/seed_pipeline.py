"""Seeders for the pipeline apps; each one runs only when its app has its models."""


def run(seeder) -> None:
    for step in STEPS:
        step(seeder)


STEPS: list = []
