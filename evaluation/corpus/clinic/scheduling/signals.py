from django.dispatch import Signal, receiver

appointment_booked = Signal()
appointment_cancelled = Signal()


@receiver(appointment_cancelled)
async def free_slot_waitlist(sender, appointment, **kwargs):
    # the waitlist service is async-only
    from .notifications import anotify_waitlist

    await anotify_waitlist(appointment.practitioner_id, appointment.starts_at)
