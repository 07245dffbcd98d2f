"""Connecting to a mailbox's IMAP and SMTP servers, and the server's own words when it fails."""

import imaplib
import smtplib
import socket
import ssl

from django.conf import settings
from django.utils.translation import gettext as _
from imap_tools import MailBox, MailBoxStartTls, MailBoxUnencrypted
from imap_tools.errors import MailboxLoginError, UnexpectedCommandStatusError

from .models import Security


class MailAuthError(Exception):
    """The server refused the login (counts towards disabling the mailbox)."""


class MailConnectionError(Exception):
    """Host, port, TLS or network trouble; the message is the server's or the system's."""


def _decode(value) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, list | tuple):
        return " ".join(_decode(v) for v in value if v)
    return str(value)


def server_message(exc: BaseException) -> str:
    """What the server said (or the socket/TLS error), without our wrapping."""
    if isinstance(exc, UnexpectedCommandStatusError):
        status, data = exc.command_result[0], exc.command_result[1]
        text = _decode(data).strip()
        return f"{_decode(status)} {text}".strip()
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_decode(exc.smtp_error)}".strip()
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(f"{rcpt}: {code} {_decode(msg)}"
                         for rcpt, (code, msg) in exc.recipients.items())
    if isinstance(exc, socket.gaierror):
        return _("Unknown host: %(error)s") % {"error": exc.strerror or exc}
    if isinstance(exc, ConnectionRefusedError):
        return _("Connection refused: %(error)s") % {"error": exc.strerror or exc}
    if isinstance(exc, TimeoutError | socket.timeout):
        return _("The server did not answer in time.")
    if isinstance(exc, ssl.SSLError):
        return _("TLS error: %(error)s") % {"error": exc.reason or exc}
    return _decode(exc.args[0] if len(exc.args) == 1 else exc) or exc.__class__.__name__


def imap_connect(mailbox, password: str | None = None, *, timeout: float | None = None):
    """A logged-in imap_tools mailbox (no folder selected). Raises MailAuthError or
    MailConnectionError with the server's message."""
    timeout = timeout or settings.CRM_MAIL_TIMEOUT
    password = mailbox.get_password() if password is None else password
    try:
        if mailbox.imap_security == Security.SSL:
            box = MailBox(mailbox.imap_host, mailbox.imap_port, timeout=timeout,
                          ssl_context=ssl.create_default_context())
        elif mailbox.imap_security == Security.STARTTLS:
            box = MailBoxStartTls(mailbox.imap_host, mailbox.imap_port, timeout=timeout,
                                  ssl_context=ssl.create_default_context())
        else:
            box = MailBoxUnencrypted(mailbox.imap_host, mailbox.imap_port, timeout=timeout)
    except (OSError, imaplib.IMAP4.error, UnexpectedCommandStatusError, ValueError) as exc:
        raise MailConnectionError(server_message(exc)) from exc
    try:
        box.login(mailbox.username, password, initial_folder=None)
    except MailboxLoginError as exc:
        _logout(box)
        raise MailAuthError(server_message(exc)) from exc
    except imaplib.IMAP4.error as exc:
        _logout(box)
        message = server_message(exc)
        if "auth" in message.lower() or "login" in message.lower():
            raise MailAuthError(message) from exc
        raise MailConnectionError(message) from exc
    except OSError as exc:
        _logout(box)
        raise MailConnectionError(server_message(exc)) from exc
    return box


def _logout(box) -> None:
    try:
        box.client.shutdown()
    except Exception:  # noqa: BLE001 - closing a broken connection
        pass


def smtp_connect(mailbox, password: str | None = None, *, timeout: float | None = None):
    """A logged-in smtplib connection to the mailbox's SMTP server."""
    timeout = timeout or settings.CRM_MAIL_TIMEOUT
    password = mailbox.get_password() if password is None else password
    try:
        if mailbox.smtp_security == Security.SSL:
            client = smtplib.SMTP_SSL(mailbox.smtp_host, mailbox.smtp_port, timeout=timeout,
                                      context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(mailbox.smtp_host, mailbox.smtp_port, timeout=timeout)
            if mailbox.smtp_security == Security.STARTTLS:
                client.starttls(context=ssl.create_default_context())
    except (OSError, smtplib.SMTPException) as exc:
        raise MailConnectionError(server_message(exc)) from exc
    try:
        if mailbox.username and password and client.has_extn("auth"):
            client.login(mailbox.username, password)
    except smtplib.SMTPAuthenticationError as exc:
        client.close()
        raise MailAuthError(server_message(exc)) from exc
    except (OSError, smtplib.SMTPException) as exc:
        client.close()
        raise MailConnectionError(server_message(exc)) from exc
    return client


def test_imap(mailbox, password: str) -> dict:
    if not mailbox.imap_host:
        return {"ok": False, "message": _("No IMAP server is set.")}
    try:
        box = imap_connect(mailbox, password)
    except (MailAuthError, MailConnectionError) as exc:
        return {"ok": False, "message": str(exc)}
    try:
        folders = [f.name for f in box.folder.list()]
        box.logout()
    except Exception as exc:  # noqa: BLE001 - report, do not crash the settings page
        return {"ok": False, "message": server_message(exc)}
    missing = [f for f in mailbox.folders or [] if f not in folders]
    message = _("Logged in. Folders: %(folders)s.") % {"folders": ", ".join(folders[:20])}
    if missing:
        message += " " + _("Not on the server: %(missing)s.") % {"missing": ", ".join(missing)}
    return {"ok": True, "message": message}


def test_smtp(mailbox, password: str) -> dict:
    if not mailbox.smtp_host:
        return {"ok": False, "message": _("No SMTP server is set.")}
    try:
        client = smtp_connect(mailbox, password)
    except (MailAuthError, MailConnectionError) as exc:
        return {"ok": False, "message": str(exc)}
    try:
        code, banner = client.noop()
        client.quit()
    except (OSError, smtplib.SMTPException) as exc:
        return {"ok": False, "message": server_message(exc)}
    return {"ok": True, "message": f"{code} {_decode(banner)}".strip()}
