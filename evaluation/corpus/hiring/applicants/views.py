import asyncio
import json
import pickle
from functools import partial

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.cache import cache
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt

from jobs.models import Job

from . import checks
from .models import Applicant, Application


@csrf_exempt
async def apply(request, job_id):
    payload = json.loads(request.body or b"{}")
    job = await Job.objects.aget(pk=job_id, open=True)
    applicant = Applicant.afrom_payload(payload)  # PITFALL: DJA2 async classmethod not awaited
    application = await Application.objects.acreate(applicant_id=getattr(applicant, "pk", None) or 1, job=job)
    return JsonResponse({"application": application.pk}, status=201)


@csrf_exempt
async def apply_v2(request, job_id):
    payload = json.loads(request.body or b"{}")
    job = await Job.objects.aget(pk=job_id, open=True)
    applicant = await Applicant.afrom_payload(payload)
    application, _ = await Application.objects.aget_or_create(applicant=applicant, job=job)
    check_id = await checks.start_check(applicant.email)
    return JsonResponse({"application": application.pk, "check": check_id}, status=201)


@csrf_exempt
async def upload_cv(request, applicant_id):
    applicant = await Applicant.objects.aget(pk=applicant_id)
    path = settings.CV_STORAGE / f"{applicant.pk}.pdf"
    with open(path, "wb") as fh:  # PITFALL: DJA3 writing the CV to the storage mount blocks the loop
        fh.write(request.body or b"%PDF-1.4")
    applicant.cv_path = str(path)
    await applicant.asave(update_fields=["cv_path"])
    return JsonResponse({"stored": True})


async def run_check(request, applicant_id):
    applicant = await Applicant.objects.aget(pk=applicant_id)
    check_id = checks.start_check_blocking(applicant.email)  # PITFALL: DJA3 sync httpx.Client call on the loop
    return JsonResponse({"check": check_id})


async def run_check_script_style(request, applicant_id):
    applicant = await Applicant.objects.aget(pk=applicant_id)
    check_id = checks.start_check_from_script(applicant.email)  # PITFALL: DJA7 helper calls asyncio.run() inside the running loop
    return JsonResponse({"check": check_id})


async def run_check_threaded(request, applicant_id):
    applicant = await Applicant.objects.aget(pk=applicant_id)
    check_id = await sync_to_async(partial(checks.start_check_blocking, applicant.email))()
    return JsonResponse({"check": check_id})


async def pipeline(request, job_id):
    stages = {}
    async for app in Application.objects.filter(job_id=job_id).select_related("applicant"):
        stages.setdefault(app.stage, []).append(app.applicant.name)
    return JsonResponse(stages)


async def pipeline_cached(request, job_id):
    qs = Application.objects.filter(job_id=job_id)
    cache.set(f"pipeline:{job_id}", pickle.dumps(qs), 60)  # PITFALL: DJA1 pickling a queryset evaluates it
    return JsonResponse({"cached": True})


async def advance(request, application_id):
    application = await Application.objects.select_related("applicant", "job").aget(pk=application_id)
    application.stage = Application.Stage.SCREEN
    application.save(update_fields=["stage"])  # PITFALL: DJA1 save() on the loop
    return JsonResponse({"stage": application.stage, "who": application.applicant.name})


async def bulk_reject(request, job_id):
    async with asyncio.TaskGroup() as tg:
        async for app in Application.objects.filter(job_id=job_id, stage=Application.Stage.NEW):
            app.stage = Application.Stage.REJECTED
            tg.create_task(app.asave(update_fields=["stage"]))
    return JsonResponse({"ok": True})


async def top_candidates(request, job_id):
    apps = Application.objects.filter(job_id=job_id).order_by("-score")
    best = max(apps, key=lambda a: a.score, default=None)  # PITFALL: DJA1 max() iterates the queryset
    return JsonResponse({"best": best.pk if best else None})


async def scores(request, job_id):
    rows = Application.objects.filter(job_id=job_id).values_list("applicant__email", "score")
    async with asyncio.timeout(5):
        data = {email: score async for email, score in rows}
    return JsonResponse(data)


async def withdraw(request, application_id):
    application = await Application.objects.aget(pk=application_id)
    application.adelete()  # PITFALL: DJA2 adelete() not awaited; the application stays
    return JsonResponse({"withdrawn": True})


async def notify_all(request, job_id):
    emails = [e async for e in Applicant.objects.filter(applications__job_id=job_id).values_list("email", flat=True)]
    pending = [checks.start_check(e) for e in emails]
    results = await asyncio.gather(*pending)
    return JsonResponse({"checks": results})


async def notify_first(request, job_id):
    emails = [e async for e in Applicant.objects.filter(applications__job_id=job_id).values_list("email", flat=True)]
    pending = [checks.start_check(e) for e in emails]  # PITFALL: DJA2 all but the first coroutine are never awaited
    first = await pending[0] if pending else None
    return JsonResponse({"check": first})
