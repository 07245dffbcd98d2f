"""Fixtures for the email tests, against the throwaway Dovecot + SMTP of scripts/mailservers.sh.

`make test` (scripts/test.sh) starts the servers and exports $CRM_MAIL_TEST_ENV. Running
`pytest tests/mail` directly starts them here when they are not running (never a skip); under
CI=true a missing server fails the run.

Each test gets its own IMAP logins (`sam.<token>@crm.test`): the servers accept any login with
the test password, so tests (and engineers) running at the same time never see each other's
mail, and the Maildirs of a test are removed at the end.
"""

import os
import shutil
import socket
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from imap_tools import MailBoxUnencrypted

from crm.mail.models import Mailbox, MailboxKind, Security
from tests.factories import ContactFactory

ROOT = Path(__file__).resolve().parents[2]
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
DEFAULT_DIR = f"/tmp/crm-mailservers-{os.getuid()}"

sys.path.insert(0, str(ROOT / "scripts"))
from smtp_to_maildir import deliver as _maildir_deliver  # noqa: E402


def _read_env(path: Path) -> dict:
    values = {}
    for line in path.read_text().splitlines():
        if "=" in line:
            key, value = line.split("=", 1)
            values[key.strip()] = value.strip()
    return values


def _alive(env: dict) -> bool:
    try:
        for key in ("CRM_MAIL_TEST_IMAP_PORT", "CRM_MAIL_TEST_SMTP_PORT"):
            socket.create_connection(("127.0.0.1", int(env[key])), timeout=2).close()
    except (OSError, KeyError, ValueError):
        return False
    return True


@dataclass
class MailServer:
    host: str
    imap_port: int
    smtp_port: int
    password: str
    maildir_root: Path
    dovecot_conf: str
    uid: int | None
    gid: int | None

    def login(self, name: str, token: str) -> str:
        """A login unique to one test: `sam@crm.test` -> `sam.<token>@crm.test`."""
        local, _, domain = name.partition("@")
        return f"{local}.{token}@{domain or 'crm.test'}".lower()

    def deliver(self, login, raw: bytes, folder: str = "INBOX") -> None:
        """Drop a raw message into the login's Maildir (as an MDA would); Dovecot picks it up."""
        login = login.username if isinstance(login, Mailbox) else login
        _maildir_deliver(str(self.maildir_root), login, raw, uid=self.uid, gid=self.gid,
                         folder=folder)

    def imap(self, login) -> MailBoxUnencrypted:
        login = login.username if isinstance(login, Mailbox) else login
        return MailBoxUnencrypted(self.host, self.imap_port).login(login, self.password)

    def imap_read(self, login, folder: str = "INBOX") -> list:
        with self.imap(login) as box:
            box.folder.set(folder)
            return list(box.fetch(mark_seen=False))

    def append(self, login, raw: bytes, folder: str = "INBOX") -> None:
        with self.imap(login) as box:
            box.append(raw, folder)

    def kick(self, login) -> None:
        """Drop every IMAP connection of a login, from the server side."""
        login = login.username if isinstance(login, Mailbox) else login
        result = subprocess.run(["doveadm", "-c", self.dovecot_conf, "kick", login],
                                capture_output=True, text=True, timeout=20)
        # 68: nobody of that name was connected (nothing to drop).
        assert result.returncode in (0, 68), result.stderr

    def reset_uidvalidity(self, login, folder: str = "INBOX") -> int:
        """Make Dovecot renumber a folder (what a restored or migrated server does): a new
        UIDVALIDITY and new UIDs for the same messages. Returns the new UIDVALIDITY."""
        login = login.username if isinstance(login, Mailbox) else login
        with self.imap(login) as box:
            old = box.folder.status(folder, ["UIDVALIDITY"])["UIDVALIDITY"]
        self.kick(login)
        base = self.maildir_root / login / "Maildir"
        if folder.upper() != "INBOX":
            base = base / ("." + folder.replace("/", "."))
        for path in list(base.iterdir()) + list((self.maildir_root / login / "Maildir").iterdir()):
            if path.is_file() and path.name.startswith("dovecot"):
                path.unlink()
        new = old + 1000
        uidlist = base / "dovecot-uidlist"
        uidlist.write_text(f"3 V{new} N1\n")
        if self.uid is not None and os.geteuid() == 0:
            os.chown(uidlist, self.uid, self.gid)
        return new

    def remove(self, login: str) -> None:
        shutil.rmtree(self.maildir_root / login, ignore_errors=True)


def _start_servers(env_path: Path) -> dict:
    env_path.parent.mkdir(parents=True, exist_ok=True)
    log = env_path.parent / "start.log"
    with open(log, "w") as out:
        result = subprocess.run(["bash", str(ROOT / "scripts" / "mailservers.sh"), "start"],
                                stdin=subprocess.DEVNULL, stdout=out, stderr=out, timeout=60,
                                env={**os.environ, "CRM_MAIL_TEST_DIR": str(env_path.parent)})
    if result.returncode != 0 or not env_path.exists():
        pytest.fail(f"could not start the test mail servers: {log.read_text()}")
    return _read_env(env_path)


@pytest.fixture(scope="session")
def mail_server() -> MailServer:
    env_path = Path(os.environ.get("CRM_MAIL_TEST_ENV") or f"{DEFAULT_DIR}/env")
    env = _read_env(env_path) if env_path.exists() else {}
    if not _alive(env):
        if IN_CI:
            pytest.fail(f"CI=true and the test mail servers are not running ({env_path}); "
                        "scripts/test.sh starts them with scripts/mailservers.sh")
        env = _start_servers(env_path)
        if not _alive(env):
            pytest.fail("the test mail servers started but do not answer")
    return MailServer(
        host=env.get("CRM_MAIL_TEST_HOST", "127.0.0.1"),
        imap_port=int(env["CRM_MAIL_TEST_IMAP_PORT"]),
        smtp_port=int(env["CRM_MAIL_TEST_SMTP_PORT"]),
        password=env.get("CRM_MAIL_TEST_PASSWORD", "secret"),
        maildir_root=Path(env["CRM_MAIL_TEST_MAILDIR_ROOT"]),
        dovecot_conf=env["CRM_MAIL_TEST_DOVECOT_CONF"],
        uid=int(env["CRM_MAIL_TEST_UID"]) if env.get("CRM_MAIL_TEST_UID") else None,
        gid=int(env["CRM_MAIL_TEST_GID"]) if env.get("CRM_MAIL_TEST_GID") else None,
    )


@pytest.fixture
def mail_token() -> str:
    return uuid.uuid4().hex[:10]


@pytest.fixture
def mail_login(mail_server, mail_token):
    """`mail_login("sam@crm.test")` -> this test's own IMAP login for that person."""
    used = []

    def make(name: str) -> str:
        login = mail_server.login(name, mail_token)
        used.append(login)
        return login

    yield make
    for login in used:
        mail_server.remove(login)


@pytest.fixture
def deliver(mail_server, mail_login):
    """`deliver(login_or_mailbox, raw_bytes, folder="INBOX")`."""
    return mail_server.deliver


@pytest.fixture
def imap_read(mail_server):
    """`imap_read(login_or_mailbox, folder="INBOX")` -> imap_tools MailMessage list."""
    return mail_server.imap_read


@pytest.fixture
def mailbox_for(db, mail_server, mail_login):
    """`mailbox_for(user, address=None, kind="personal", **fields)` -> a Mailbox on the test
    servers whose IMAP login is unique to this test (`mailbox.username`)."""

    def make(user, address=None, kind=MailboxKind.PERSONAL, password=None, **fields):
        address = address or f"{user.username}@crm.test"
        login = mail_login(address)
        mailbox = Mailbox(
            kind=kind, owner=user, address=address,
            display_name=fields.pop("display_name", user.get_full_name() or user.username),
            imap_host=mail_server.host, imap_port=mail_server.imap_port,
            imap_security=Security.NONE, smtp_host=mail_server.host,
            smtp_port=mail_server.smtp_port, smtp_security=Security.NONE,
            username=login, **fields,
        )
        mailbox.set_password(mail_server.password if password is None else password)
        mailbox.save()
        # Create the Maildir (and INBOX/Sent) on the server for this login.
        with mail_server.imap(login) as box:
            box.folder.list()
        return mailbox

    return make


@pytest.fixture
def carla(org):
    """A known customer contact of Sam's, so mail with her is tracked."""
    return ContactFactory(first_name="Carla", last_name="Customer", email="carla@acme.example",
                          owner=org.sam, account__owner=org.sam)


@pytest.fixture
def box(org, carla, mailbox_for):
    """Sam's mailbox on the test server (files that need another `box` define their own)."""
    return mailbox_for(org.sam)
