import logging
from dataclasses import asdict, dataclass

from django.core.cache import cache
from django.http import JsonResponse
from django.views import View

from .models import Department, Job

log = logging.getLogger(__name__)


@dataclass
class JobOut:
    id: int
    title: str
    department: str

    @classmethod
    def from_job(cls, job):
        return cls(job.pk, job.title, job.department.name)


async def open_jobs(request):
    jobs = Job.objects.filter(open=True).select_related("department").order_by("title")
    return JsonResponse({"jobs": [asdict(JobOut.from_job(j)) async for j in jobs]})


async def open_jobs_legacy(request):
    jobs = Job.objects.filter(open=True).order_by("title")
    return JsonResponse({"jobs": [asdict(JobOut.from_job(j)) async for j in jobs]})  # PITFALL: DJA1 from_job reads department, which was not selected


async def job_detail(request, pk):
    job = await Job.objects.select_related("department").aget(pk=pk)
    log.info(f"viewing {job}")
    return JsonResponse({"title": job.title, "applicants": job.applicant_count})  # PITFALL: DJA1 the applicant_count property counts with a query


async def job_detail_v2(request, pk):
    job = await Job.objects.select_related("department").aget(pk=pk)
    return JsonResponse({"title": job.title, "applicants": await job.applications.acount(), "label": str(job)})


async def departments(request):
    cached = await cache.aget("departments")
    if cached is None:
        cached = [d.name async for d in Department.objects.order_by("name")]
        await cache.aset("departments", cached, 300)
    return JsonResponse({"departments": cached})


async def every_other_job(request):
    jobs = Job.objects.order_by("pk")
    sample = jobs[::2]  # PITFALL: DJA1 slicing with a step evaluates the queryset
    return JsonResponse({"sample": [j.title for j in sample]})


async def newest_first(request):
    jobs = Job.objects.order_by("pk")
    titles = [j.title for j in reversed(jobs)]  # PITFALL: DJA1 reversed() over a queryset evaluates it
    return JsonResponse({"titles": titles})


async def jobs_or_default(request):
    jobs = Job.objects.filter(open=True, salary_max__gte=int(request.GET.get("min", 0)))
    listing = [j.title async for j in jobs] or ["(none)"]
    return JsonResponse({"listing": listing})


class JobAdminView(View):  # PITFALL: DJA6 async get with a sync post: as_view() raises ImproperlyConfigured
    async def get(self, request, pk):
        job = await Job.objects.aget(pk=pk)
        return JsonResponse({"title": job.title, "open": job.open})

    def post(self, request, pk):
        Job.objects.filter(pk=pk).update(open=False)
        return JsonResponse({"closed": True})


class JobToggleView(View):
    async def get(self, request, pk):
        job = await Job.objects.aget(pk=pk)
        return JsonResponse({"open": job.open})

    async def post(self, request, pk):
        updated = await Job.objects.filter(pk=pk).aupdate(open=False)
        return JsonResponse({"closed": bool(updated)})
