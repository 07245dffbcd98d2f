"""Mailbox sync speed: a Maildir of 10,000 messages (~30% with CRM contacts/leads) synced over
IMAP from the test Dovecot, then an incremental sync with nothing new.

    scripts/mailservers.sh start
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm_bench_mail \\
        .venv/bin/python -m bench.mail_sync --messages 10000

It migrates the database it is given (use a throwaway one), creates its own user, contacts and
leads (prefixed `mailbench`), and removes its Maildir afterwards. Targets (issue 15): initial
sync <= 60 s, incremental <= 1 s.
"""

import argparse
import os
import random
import shutil
import sys
import time
import uuid
from email.message import EmailMessage as Mime
from email.utils import format_datetime, make_msgid
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
ROOT = Path(__file__).resolve().parent.parent


def _env(path: Path) -> dict:
    values = {}
    for line in path.read_text().splitlines():
        if "=" in line:
            key, value = line.split("=", 1)
            values[key] = value
    return values


def _message(rng, frm, to, subject, when) -> bytes:
    msg = Mime()
    msg["From"], msg["To"], msg["Subject"] = frm, to, subject
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = make_msgid(idstring=uuid.uuid4().hex[:12], domain="bench.example")
    paragraphs = rng.randint(1, 6)
    msg.set_content("\n\n".join(
        "Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * rng.randint(1, 8)
        for _ in range(paragraphs)))
    if rng.random() < 0.3:
        msg.add_alternative("<p>" + "Hello <b>world</b> " * rng.randint(5, 80) + "</p>",
                            subtype="html")
    if rng.random() < 0.05:
        msg.add_attachment(os.urandom(rng.randint(2_000, 60_000)), maintype="application",
                           subtype="pdf", filename="document.pdf")
    return bytes(msg)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--matching", type=float, default=0.30)
    parser.add_argument("--env", default=os.environ.get(
        "CRM_MAIL_TEST_ENV", f"/tmp/crm-mailservers-{os.getuid()}/env"))
    args = parser.parse_args()

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from crm.customers.models import Account, Contact
    from crm.mail.models import EmailMessage, Mailbox, Security
    from crm.mail.sync import mailbox_sync
    from crm.users.models import User
    from leads.models import Lead

    sys.path.insert(0, str(ROOT / "scripts"))
    from smtp_to_maildir import deliver

    env_path = Path(args.env)
    if not env_path.exists():
        sys.exit(f"start the test mail servers first (scripts/mailservers.sh start): {env_path}")
    env = _env(env_path)
    call_command("migrate", verbosity=0)

    rng = random.Random(15)
    tag = uuid.uuid4().hex[:8]
    user = User.objects.create(username=f"mailbench-{tag}", email=f"mailbench-{tag}@crm.test")
    account = Account.objects.create(name=f"mailbench {tag}", owner=user)
    contacts = Contact.objects.bulk_create([
        Contact(first_name="Bench", last_name=f"Contact{n}", email=f"c{n}.{tag}@customer.example",
                account=account, owner=user) for n in range(300)])
    leads = Lead.objects.bulk_create([
        Lead(topic=f"Bench {n}", last_name=f"Lead{n}", company="Bench Ltd",
             email=f"l{n}.{tag}@prospect.example", owner=user) for n in range(100)])
    known = [c.email for c in contacts] + [lead.email for lead in leads]
    login = f"mailbench.{tag}@crm.test"
    mailbox = Mailbox(owner=user, address=f"mailbench-{tag}@crm.test", username=login,
                      imap_host=env["CRM_MAIL_TEST_HOST"],
                      imap_port=int(env["CRM_MAIL_TEST_IMAP_PORT"]),
                      imap_security=Security.NONE, smtp_host=env["CRM_MAIL_TEST_HOST"],
                      smtp_port=int(env["CRM_MAIL_TEST_SMTP_PORT"]),
                      smtp_security=Security.NONE, folders=["INBOX"])
    mailbox.set_password(env.get("CRM_MAIL_TEST_PASSWORD", "secret"))
    mailbox.save()

    root = env["CRM_MAIL_TEST_MAILDIR_ROOT"]
    uid = int(env["CRM_MAIL_TEST_UID"]) if env.get("CRM_MAIL_TEST_UID") else None
    gid = int(env["CRM_MAIL_TEST_GID"]) if env.get("CRM_MAIL_TEST_GID") else None
    now = timezone.now()
    started = time.perf_counter()
    matching = 0
    for n in range(args.messages):
        if rng.random() < args.matching:
            frm = rng.choice(known)
            matching += 1
        else:
            frm = f"someone{rng.randint(1, 5000)}@private{rng.randint(1, 300)}.example"
        when = now - timezone.timedelta(minutes=args.messages - n)
        deliver(root, login, _message(rng, frm, mailbox.address, f"Message {n}", when),
                uid=uid, gid=gid)
    fill = time.perf_counter() - started
    print(f"filled Maildir: {args.messages} messages ({matching} matching) in {fill:.1f} s")

    try:
        started = time.perf_counter()
        result = mailbox_sync(mailbox.pk)
        initial = time.perf_counter() - started
        stored = EmailMessage.objects.filter(mailbox_items__mailbox=mailbox).count()
        print(f"initial sync: {initial:.1f} s  state={result.state} fetched={result.fetched} "
              f"stored={result.stored} skipped={result.skipped} failed={result.failed} "
              f"(db: {stored} messages)")
        timings = []
        for _ in range(5):
            started = time.perf_counter()
            again = mailbox_sync(mailbox.pk)
            timings.append(time.perf_counter() - started)
            assert again.fetched == 0, again.as_dict()
        print(f"incremental sync (nothing new): best {min(timings) * 1000:.0f} ms, "
              f"worst {max(timings) * 1000:.0f} ms over 5 runs")
        print(f"database: {connection.vendor}")
        ok = initial <= 60 and max(timings) <= 1
        print("targets (<= 60 s, <= 1 s):", "met" if ok else "NOT met")
        return 0 if ok else 1
    finally:
        shutil.rmtree(Path(root) / login, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
