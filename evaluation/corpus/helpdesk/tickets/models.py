from django.conf import settings
from django.db import models


class Team(models.Model):
    name = models.CharField(max_length=60, unique=True)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="teams", blank=True)
    lead = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")

    def __str__(self):
        return self.name


class TicketQuerySet(models.QuerySet):
    def unresolved(self):
        return self.exclude(status__in=[Ticket.Status.RESOLVED, Ticket.Status.CLOSED])

    def assigned_to(self, user):
        return self.filter(assignee=user)

    def urgent(self):
        return self.filter(priority__gte=Ticket.Priority.HIGH)


class Ticket(models.Model):
    class Status(models.TextChoices):
        NEW = "new"
        OPEN = "open"
        PENDING = "pending"
        RESOLVED = "resolved"
        CLOSED = "closed"

    class Priority(models.IntegerChoices):
        LOW = 1
        NORMAL = 2
        HIGH = 3
        URGENT = 4

    subject = models.CharField(max_length=200)
    body = models.TextField()
    requester_email = models.EmailField()
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="tickets")
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="assigned_tickets")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.NEW)
    priority = models.IntegerField(choices=Priority.choices, default=Priority.NORMAL)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    objects = TicketQuerySet.as_manager()

    class Meta:
        ordering = ["-priority", "created"]

    def __str__(self):
        return f"#{self.pk} {self.subject}"

    def get_absolute_url(self):
        return f"/tickets/{self.pk}/"


class Comment(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    body = models.TextField()
    internal = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True)


class EscalationLog(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE)
    reason = models.CharField(max_length=200)
    created = models.DateTimeField(auto_now_add=True)
