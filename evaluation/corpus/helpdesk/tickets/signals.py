"""Custom signals; receivers live in integrations.slack."""
from django.dispatch import Signal

ticket_escalated = Signal()
ticket_resolved = Signal()
