"""The demo has a realistic synced history without a mail server."""

from django.core.management import call_command

from crm.assistant.engine import scan
from crm.assistant.models import Card
from crm.mail.models import EmailMessage, Mailbox
from leads.models import Lead


def test_seed_demo_creates_mail_history(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=open("/dev/null", "w"))

    assert Mailbox.objects.filter(kind="personal", owner__username="sam").exists()
    assert Mailbox.objects.filter(kind="queue", address="sales@northwind.example").exists()
    assert EmailMessage.objects.count() >= 6
    assert EmailMessage.objects.filter(direction="incoming").count() >= 3
    lead = Lead.objects.get(email="nina.fischer@tailwind-logistics.example")
    assert lead.source == "email" and lead.company == "Tailwind Logistics GmbH"
    assert EmailMessage.objects.filter(activity__lead=lead).exists()
    on_opportunities = EmailMessage.objects.filter(activity__opportunity__isnull=False)
    assert on_opportunities.count() >= 2
    scan(full=True)
    assert Card.objects.filter(kind="email_customer_replied").exists()
    assert Card.objects.filter(kind="email_no_reply").exists()
