import csv
import io

from asgiref.sync import sync_to_async
from django.db.models import F, Sum
from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import aget_object_or_404, get_object_or_404
from django.template import Context, Template
from django.template.loader import render_to_string
from django.template.response import TemplateResponse

from .forms import QuestionForm, VoteForm
from .models import Choice, Question, Survey

RESULTS = Template("{% for c in choices %}{{ c.label }}: {{ c.votes }}\n{% endfor %}")


async def question_page(request, pk):
    question = await aget_object_or_404(Question, pk=pk)
    form = VoteForm(question=question)
    return TemplateResponse(request, "polls/question.html", {"question": question, "form": form})


async def question_fragment(request, pk):
    question = await aget_object_or_404(Question, pk=pk)
    form = VoteForm(question=question)
    html = render_to_string("polls/question.html", {"question": question, "form": form})  # PITFALL: DJA1 rendering the ModelChoiceField iterates its queryset on the loop
    return HttpResponse(html)


async def vote(request, pk):
    question = get_object_or_404(Question, pk=pk)  # PITFALL: DJA1 sync get_object_or_404 on the loop
    choice_id = int(request.GET.get("choice", 0)) or await question.choices.values_list("pk", flat=True).afirst()
    await Choice.objects.filter(pk=choice_id, question=question).aupdate(votes=F("votes") + 1)
    return JsonResponse({"ok": True})


async def results_text(request, pk):
    question = await Question.objects.aget(pk=pk)
    text = RESULTS.render(Context({"choices": question.choices.order_by("-votes")}))  # PITFALL: DJA1 Template.render iterates the queryset on the loop
    return HttpResponse(text, content_type="text/plain")


async def results_json(request, pk):
    question = await Question.objects.aget(pk=pk)
    choices = [{"label": c.label, "votes": c.votes} async for c in question.choices.order_by("-votes")]
    total = (await question.choices.aaggregate(n=Sum("votes")))["n"] or 0
    return JsonResponse({"choices": choices, "total": total})


async def add_question(request):
    form = QuestionForm(request.GET or None)
    if form.is_valid():  # PITFALL: DJA1 ModelForm validation checks the survey FK with a query
        return JsonResponse({"valid": True})
    return JsonResponse({"errors": form.errors}, status=400)


async def add_question_v2(request):
    form = QuestionForm(request.GET or None)
    valid = await sync_to_async(form.is_valid)()
    if valid:
        question = await sync_to_async(form.save)()
        return JsonResponse({"id": question.pk}, status=201)
    return JsonResponse({"errors": form.errors}, status=400)


async def start_wizard(request, slug):
    survey = await Survey.objects.aget(slug=slug, published=True)
    request.session.cycle_key()  # PITFALL: DJA1 cycle_key() loads and re-saves the DB session on the loop
    await request.session.aset("survey", survey.pk)
    return JsonResponse({"started": survey.slug})


async def start_wizard_v2(request, slug):
    survey = await Survey.objects.aget(slug=slug, published=True)
    await request.session.acycle_key()
    await request.session.aset("survey", survey.pk)
    return JsonResponse({"started": survey.slug})


async def export_csv(request, slug):
    survey = await Survey.objects.aget(slug=slug)

    async def rows():
        yield "question,choice,votes\n"
        async for c in Choice.objects.filter(question__survey=survey).select_related("question"):
            yield f"{c.question.text},{c.label},{c.votes}\n"

    return StreamingHttpResponse(rows(), content_type="text/csv")


async def export_csv_buffered(request, slug):
    survey = await Survey.objects.aget(slug=slug)
    buf = io.StringIO()
    writer = csv.writer(buf)
    for c in Choice.objects.filter(question__survey=survey):  # PITFALL: DJA1 sync for over a queryset
        writer.writerow([c.question_id, c.label, c.votes])
    return HttpResponse(buf.getvalue(), content_type="text/csv")


async def publish(request, slug):
    survey = await Survey.objects.aget(slug=slug)
    survey.published = True
    survey.asave(update_fields=["published"])  # PITFALL: DJA2 asave() not awaited
    return JsonResponse({"published": True})


async def survey_overview(request, slug):
    survey = await Survey.objects.prefetch_related("questions__choices").aget(slug=slug)
    return JsonResponse({"questions": [
        {"text": q.text, "choices": [c.label for c in q.choices.all()]} for q in survey.questions.all()
    ]})
