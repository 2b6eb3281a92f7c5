from django.conf import settings
from django.core.mail import EmailMessage, send_mail


def notify_requester(ticket_subject, email, message):
    send_mail(f"Re: {ticket_subject}", message, settings.DEFAULT_FROM_EMAIL, [email])


def build_digest(email, lines):
    msg = EmailMessage("Your daily digest", "\n".join(lines), settings.DEFAULT_FROM_EMAIL, [email])
    return msg
