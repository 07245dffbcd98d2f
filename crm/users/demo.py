"""Demo people for `manage.py seed_demo`: an admin, a manager and three sellers in two teams."""

from .models import Role, Team, User

DEMO_PASSWORD = "demo1234!"
PEOPLE = [
    # username, first, last, role, team, manager
    ("admin", "Ada", "Admin", Role.ADMIN, None, None),
    ("maria", "Maria", "Manager", Role.MANAGER, "East", None),
    ("sam", "Sam", "Seller", Role.SELLER, "East", "maria"),
    ("sofia", "Sofia", "Ortiz", Role.SELLER, "East", "maria"),
    ("tom", "Tom", "Berg", Role.SELLER, "West", "maria"),
]


def present() -> bool:
    """True when the demo was seeded already (seed_demo then does nothing)."""
    return User.objects.filter(username="sam").exists()


def seed(ctx: dict) -> None:
    teams = {name: Team.objects.create(name=name) for name in ("East", "West")}
    users: dict[str, User] = {}
    for username, first, last, role, team, manager in PEOPLE:
        user = User(
            username=username, first_name=first, last_name=last, role=role,
            email=f"{username}@northwind.example", team=teams.get(team),
            manager=users.get(manager), is_staff=role == Role.ADMIN,
            is_superuser=role == Role.ADMIN,
        )
        user.set_password(DEMO_PASSWORD)
        user.save()
        users[username] = user
    ctx.update(users=users, sellers=[users["sam"], users["sofia"], users["tom"]], teams=teams,
               welcome=f"Log in as sam, sofia, tom (sellers), maria (manager) or admin with the "
                       f"password {DEMO_PASSWORD!r}.")
