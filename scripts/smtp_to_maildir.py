"""A throwaway SMTP server for the tests: accepts mail on 127.0.0.1 and delivers each message
into the recipients' Maildir (`<root>/<address>/Maildir/new/`), where the test Dovecot serves it.

AUTH (PLAIN/LOGIN) is optional and accepts any login with the test password. A recipient whose
local part starts with `reject` is refused with 550, so a send failure can be tested for real.

    python scripts/smtp_to_maildir.py --port 2525 --root /tmp/mail/users --password secret
"""

import argparse
import os
import signal
import socket
import threading
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def _owned(path: str, uid: int | None, gid: int | None) -> None:
    if uid is not None and os.geteuid() == 0:
        os.chown(path, uid, gid if gid is not None else uid)


def deliver(root: str, address: str, data: bytes, *, uid: int | None = None,
            gid: int | None = None, folder: str = "INBOX") -> str:
    """Write one message into `new/` of the address's Maildir the way an MDA does.

    `folder` other than INBOX is Maildir++ (`.Sent`). As root the files are handed to `uid`.
    """
    home = os.path.join(root, address.strip().lower())
    base = os.path.join(home, "Maildir")
    if folder.upper() != "INBOX":
        base = os.path.join(base, "." + folder.replace("/", "."))
    for path in (home, os.path.join(home, "Maildir"), base):
        if not os.path.isdir(path):
            os.makedirs(path, exist_ok=True)
            _owned(path, uid, gid)
    for sub in ("tmp", "new", "cur"):
        path = os.path.join(base, sub)
        if not os.path.isdir(path):
            os.makedirs(path, exist_ok=True)
            _owned(path, uid, gid)
    name = f"{time.time_ns()}.P{os.getpid()}T{threading.get_ident()}.{socket.gethostname()}"
    tmp_path = os.path.join(base, "tmp", name)
    with open(tmp_path, "wb") as fh:
        fh.write(data)
    _owned(tmp_path, uid, gid)
    final = os.path.join(base, "new", name)
    os.rename(tmp_path, final)
    return final


class MaildirHandler:
    def __init__(self, root: str, uid=None, gid=None):
        self.root = root
        self.uid, self.gid = uid, gid

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.split("@", 1)[0].lower().startswith("reject"):
            return f"550 5.1.1 <{address}>: Recipient address rejected: mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        data = envelope.original_content or envelope.content
        if isinstance(data, str):
            data = data.encode("utf-8", "surrogateescape")
        data = data.replace(b"\r\n", b"\n")
        for rcpt in envelope.rcpt_tos:
            deliver(self.root, rcpt, data, uid=self.uid, gid=self.gid)
        return "250 Message accepted for delivery"


class Authenticator:
    def __init__(self, password: str):
        self.password = password

    def __call__(self, server, session, envelope, mechanism, auth_data):
        if isinstance(auth_data, LoginPassword):
            ok = auth_data.password.decode("utf-8", "replace") == self.password
            return AuthResult(success=ok, handled=False)
        return AuthResult(success=False, handled=False)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--root", required=True)
    parser.add_argument("--password", default="secret")
    parser.add_argument("--uid", type=int, default=None)
    parser.add_argument("--gid", type=int, default=None)
    args = parser.parse_args()
    controller = Controller(
        MaildirHandler(args.root, args.uid, args.gid), hostname=args.host, port=args.port,
        authenticator=Authenticator(args.password), auth_require_tls=False,
        auth_required=False, decode_data=False, data_size_limit=80 * 1024 * 1024,
    )
    controller.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    signal.signal(signal.SIGINT, lambda *a: stop.set())
    try:
        stop.wait()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
