from asgiref.sync import sync_to_async
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.http import JsonResponse
from django.shortcuts import aget_object_or_404
from django.template.response import TemplateResponse
from django.views import View
from django.views.generic import FormView

from . import services
from .models import Conference, Talk, Venue
from .services import ScheduleService


async def conference_home(request, slug):
    conference = await aget_object_or_404(Conference.objects.select_related("venue"), slug=slug)
    schedule = await sync_to_async(services.schedule_for)(conference)
    return TemplateResponse(request, "conferences/home.html", {"conference": conference, "schedule": schedule})


async def conference_schedule(request, slug):
    conference = await Conference.objects.aget(slug=slug)
    schedule = services.schedule_for(conference)  # PITFALL: DJA1 sync helper iterates talks on the loop
    return JsonResponse({"schedule": schedule})


async def conference_info(request, slug):
    conference = await Conference.objects.aget(slug=slug)
    return JsonResponse({"name": conference.name, "venue": conference.venue.name, "city": conference.venue.city})  # PITFALL: DJA1 venue FK not selected


async def conference_export(request, slug):
    conference = await Conference.objects.aget(slug=slug)
    data = services.conference_export(conference)  # PITFALL: DJA1 model_to_dict reads the organizers M2M with a query
    return JsonResponse({k: str(v) for k, v in data.items()})


async def next_conference(request):
    nxt = await Conference.objects.anext_up()
    latest = Conference.objects.latest("starts_on")  # PITFALL: DJA1 latest() runs a query
    return JsonResponse({"next": nxt.slug if nxt else None, "latest": latest.slug})


async def talk_detail(request, pk):
    talk = await Talk.objects.select_related("speaker").aget(pk=pk)
    return JsonResponse(services.talk_card(talk))


async def rooms(request, slug):
    conference = await Conference.objects.aget(slug=slug)
    svc = ScheduleService(conference.pk)
    return JsonResponse({"rooms": await svc.rooms(), "talks": svc.talk_count()})  # PITFALL: DJA1 sync service method counts on the loop


async def rooms_v2(request, slug):
    conference = await Conference.objects.aget(slug=slug)
    svc = ScheduleService(conference.pk)
    talks = await svc.talks()
    return JsonResponse({"rooms": await svc.rooms(), "talks": len(talks)})


async def is_organizer(request, slug):
    user = await request.auser()
    conference = await Conference.objects.aget(slug=slug)
    organizing = conference.organizers.contains(user)  # PITFALL: DJA1 contains() runs a query
    return JsonResponse({"organizer": organizing})


async def is_organizer_v2(request, slug):
    user = await request.auser()
    conference = await Conference.objects.aget(slug=slug)
    return JsonResponse({"organizer": await conference.organizers.acontains(user)})


async def venues(request):
    big = Venue.objects.filter(capacity__gte=500)
    return JsonResponse({"venues": [v.name async for v in big], "any_small": await Venue.objects.filter(capacity__lt=500).aexists()})


async def add_organizer(request, slug):
    user = await request.auser()
    conference = await Conference.objects.aget(slug=slug)
    conference.organizers.add(user)  # PITFALL: DJA1 M2M add() writes on the loop
    return JsonResponse({"ok": True})


async def add_organizer_v2(request, slug):
    user = await request.auser()
    conference = await Conference.objects.aget(slug=slug)
    await conference.organizers.aadd(user)
    return JsonResponse({"ok": True})


async def can_edit(request, slug):
    user = await request.auser()
    allowed = user.has_perm("conferences.change_conference")  # PITFALL: DJA1 has_perm() loads permissions with queries
    return JsonResponse({"allowed": allowed})


async def can_edit_v2(request, slug):
    user = await request.auser()
    return JsonResponse({"allowed": await user.ahas_perm("conferences.change_conference")})


class OrganizerDashboard(PermissionRequiredMixin, View):  # PITFALL: DJA6 PermissionRequiredMixin.dispatch is sync and checks permissions in front of an async handler
    permission_required = "conferences.view_conference"

    async def get(self, request):
        return JsonResponse({"conferences": [c.slug async for c in Conference.objects.all()]})


class ProposalFormView(FormView):  # PITFALL: DJA6 FormView keeps sync get/put; only post is async, so as_view() raises ImproperlyConfigured
    template_name = "conferences/proposal.html"

    async def post(self, request, *args, **kwargs):
        return JsonResponse({"received": True}, status=202)


class TalkListView(View):
    async def get(self, request, slug):
        talks = Talk.objects.filter(conference__slug=slug).select_related("speaker")
        return JsonResponse({"talks": [services.talk_card(t) async for t in talks]})
