"""A small RFC 5545 writer for the per-user calendar feed (no extra dependency)."""

from datetime import UTC, datetime, timedelta

from django.urls import reverse
from django.utils import timezone

from .models import ActivityKind, ActivityState


def _escape(text: str) -> str:
    return (str(text).replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n"))


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space."""
    data = line.encode()
    if len(data) <= 75:
        return line
    parts, start = [], 0
    while start < len(data):
        end = min(start + (75 if not parts else 74), len(data))
        while end < len(data) and (data[end] & 0xC0) == 0x80:  # never split a UTF-8 sequence
            end -= 1
        parts.append(data[start:end].decode())
        start = end
    return "\r\n ".join(parts)


def _stamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def build_calendar(activities, *, name: str, host: str) -> str:
    now = _stamp(timezone.now())
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//CRM//Activities//EN",
             "CALSCALE:GREGORIAN", "METHOD:PUBLISH", f"X-WR-CALNAME:{_escape(name)}"]
    for activity in activities:
        if activity.kind == ActivityKind.APPOINTMENT:
            start = activity.starts_at
            end = activity.ends_at or start + timedelta(minutes=30)
        else:
            start = activity.due_at
            end = start + timedelta(minutes=15)
        regarding = activity.regarding
        description = activity.description
        if regarding is not None:
            description = f"{regarding}\n{description}".strip()
        status = {ActivityState.CANCELED: "CANCELLED",
                  ActivityState.COMPLETED: "CONFIRMED"}.get(activity.state, "CONFIRMED")
        lines += [
            "BEGIN:VEVENT",
            f"UID:activity-{activity.pk}@{host}",
            f"DTSTAMP:{now}",
            f"LAST-MODIFIED:{_stamp(activity.updated_at)}",
            f"SEQUENCE:{activity.version}",
            f"DTSTART:{_stamp(start)}",
            f"DTEND:{_stamp(end)}",
            f"SUMMARY:{_escape(activity.subject)}",
            f"STATUS:{status}",
        ]
        if activity.location:
            lines.append(f"LOCATION:{_escape(activity.location)}")
        if description:
            lines.append(f"DESCRIPTION:{_escape(description)}")
        lines.append(f"URL:https://{host}{reverse('activity-detail', args=[activity.pk])}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
