"""Demo posts: a few questions with @mentions and replies on demo customers' timelines."""

from . import services

THREADS = [
    ("@maria can we offer a 10% discount on the renewal?", "Yes, up to 10% is fine."),
    ("@sofia you met them at the fair: who decides on the budget?", "Their CFO, Ms Lee."),
]


def seed(ctx: dict) -> None:
    users = ctx["users"]
    for contact, (question, answer) in zip(ctx["contacts"][:2], THREADS, strict=False):
        author = contact.owner
        record = contact.account or contact
        post = services.post_create(record=record, actor=author, body=question)
        who = users["maria"] if "@maria" in question else users["sofia"]
        services.post_create(record=record, actor=who, body=answer, parent=post)
