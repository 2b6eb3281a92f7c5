"""Schedule helpers shared by the public site and the organiser app."""
from django.forms.models import model_to_dict

from .models import Conference, Talk


def schedule_for(conference):
    """Plain dicts for the schedule grid (sync; the admin uses it too)."""
    talks = Talk.objects.filter(conference=conference).select_related("speaker")
    return [
        {"title": t.title, "speaker": t.speaker.get_full_name(), "room": t.room, "at": t.starts_at.isoformat()}
        for t in talks
    ]


def talk_card(talk):
    """Works on an already-loaded talk with its speaker selected."""
    return {"title": talk.title, "speaker": talk.speaker.username, "conference_id": talk.conference_id}


def conference_export(conference):
    return model_to_dict(conference)


class ScheduleService:
    def __init__(self, conference_id):
        self.conference_id = conference_id

    async def talks(self):
        return [t async for t in Talk.objects.filter(conference_id=self.conference_id).select_related("speaker")]

    async def rooms(self):
        return sorted({t.room for t in await self.talks()})

    def talk_count(self):
        return Talk.objects.filter(conference_id=self.conference_id).count()
