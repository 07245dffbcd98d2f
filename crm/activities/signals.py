"""Signals other apps listen to without the core importing them.

`activity_completed(sender=Activity, activity=..., actor=...)` is sent after an activity is
completed (inside the service's transaction). The leads app marks a new lead contacted on it.
"""

from django.dispatch import Signal

activity_completed = Signal()
