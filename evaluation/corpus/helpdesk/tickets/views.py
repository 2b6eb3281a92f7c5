from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import aget_object_or_404
from django.template.response import TemplateResponse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import DetailView, ListView, UpdateView

from .forms import CommentForm, TicketForm
from .models import Comment, Team, Ticket


class TicketListView(ListView):
    """Async get on a ListView: only the handler is async, the rest stays lazy."""

    template_name = "tickets/ticket_list.html"

    def get_queryset(self):
        qs = Ticket.objects.unresolved().select_related("team", "assignee")
        if team := self.request.GET.get("team"):
            qs = qs.filter(team__name=team)
        return qs

    async def get(self, request, *args, **kwargs):
        self.object_list = self.get_queryset()
        context = self.get_context_data()
        return self.render_to_response(context)


class TicketDetailView(DetailView):
    model = Ticket
    template_name = "tickets/ticket_detail.html"

    async def get(self, request, *args, **kwargs):
        self.object = await aget_object_or_404(Ticket.objects.select_related("team", "assignee"), pk=kwargs["pk"])
        comments = [c async for c in self.object.comments.select_related("author").filter(internal=False)]
        context = self.get_context_data(object=self.object, comments=comments)
        return self.render_to_response(context)


class TicketUpdateView(UpdateView):  # PITFALL: DJA6 only post is async; UpdateView's get/put stay sync, as_view() raises ImproperlyConfigured
    model = Ticket
    form_class = TicketForm
    template_name = "tickets/ticket_form.html"

    async def post(self, request, *args, **kwargs):
        self.object = await Ticket.objects.aget(pk=kwargs["pk"])
        return HttpResponseRedirect(self.object.get_absolute_url())


class TicketCommentView(View):
    async def get(self, request, pk):
        ticket = await Ticket.objects.aget(pk=pk)
        return JsonResponse({"ticket": ticket.pk, "comments": await ticket.comments.acount()})

    async def post(self, request, pk):
        ticket = await Ticket.objects.aget(pk=pk)
        user = await request.auser()
        form = CommentForm(request.POST)
        if not form.is_valid():
            return JsonResponse(form.errors, status=400)
        comment = Comment(ticket=ticket, author=user, **form.cleaned_data)
        comment.save()  # PITFALL: DJA1 save() on the loop
        if ticket.assignee.email:  # PITFALL: DJA1 assignee was not selected; the FK access queries
            pass
        return JsonResponse({"id": comment.pk}, status=201)


class TeamDashboardView(LoginRequiredMixin, View):  # PITFALL: DJA6 LoginRequiredMixin.dispatch is sync and reads request.user in front of an async handler
    async def get(self, request):
        teams = [t async for t in Team.objects.order_by("name")]
        return JsonResponse({"teams": [t.name for t in teams]})


class TicketExportView(View):  # PITFALL: DJA6 get is sync and post is async: as_view() raises ImproperlyConfigured
    def get(self, request):
        rows = "\n".join(f"{t.pk},{t.subject}" for t in Ticket.objects.all())
        return HttpResponse(rows, content_type="text/csv")

    async def post(self, request):
        return JsonResponse({"queued": True}, status=202)


class QueueStatsView(View):
    async def dispatch(self, request, *args, **kwargs):  # PITFALL: DJA6 async dispatch over sync handlers: the view is treated as sync and returns a coroutine
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        return JsonResponse({"open": Ticket.objects.unresolved().count()})


@method_decorator(never_cache, name="dispatch")  # PITFALL: DJA6 never_cache wraps the sync View.dispatch of an async view, so it gets a coroutine instead of a response
class MyQueueView(View):
    async def get(self, request):
        user = await request.auser()
        n = await Ticket.objects.unresolved().filter(assignee=user).acount()
        return JsonResponse({"mine": n})


@method_decorator(never_cache, name="get")
class TeamQueueView(View):
    async def get(self, request, team):
        team_obj = await Team.objects.aget(name=team)
        tickets = Ticket.objects.unresolved().filter(team=team_obj).select_related("assignee")
        return TemplateResponse(request, "tickets/ticket_list.html", {"object_list": tickets})


class LegacyStatsView(LoginRequiredMixin, View):
    """Sync view: mixins and ORM are fine here."""

    def get(self, request):
        return JsonResponse({"open": Ticket.objects.unresolved().count(), "user": request.user.username})
