import asyncio
import json
from datetime import timedelta

import requests
from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import Count, Exists, OuterRef, Sum
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from .models import Copy, Hold, Loan, Title

User = get_user_model()
_checkout_lock = asyncio.Lock()


@require_GET
async def catalogue(request):
    available = Copy.objects.filter(title=OuterRef("pk")).exclude(loans__returned__isnull=True)
    titles = Title.objects.annotate(copies_n=Count("copies"), available=Exists(available)).order_by("name")
    return JsonResponse({"titles": [
        {"isbn": t.isbn, "name": t.name, "copies": t.copies_n, "available": t.available} async for t in titles
    ]})


@require_POST
async def checkout(request, barcode):
    user = await request.auser()
    async with _checkout_lock:
        copy = await Copy.objects.select_related("title").aget(barcode=barcode)
        if await Loan.objects.filter(copy=copy, returned__isnull=True).aexists():
            return JsonResponse({"detail": "already out"}, status=409)
        loan = await Loan.objects.acreate(copy=copy, member=user, due=timezone.localdate() + timedelta(days=21))
    messages.success(request, f"You borrowed {copy.title.name}")
    return JsonResponse({"loan": loan.pk, "due": loan.due.isoformat()}, status=201)


async def my_loans(request):
    user = await request.auser()
    loans = Loan.objects.filter(member=user, returned__isnull=True)
    return JsonResponse({"loans": [
        {"barcode": l.copy.barcode, "overdue": l.overdue_days} async for l in loans  # PITFALL: DJA1 copy FK not selected
    ]})


async def my_loans_v2(request):
    user = await request.auser()
    loans = Loan.objects.filter(member=user, returned__isnull=True).select_related("copy")
    return JsonResponse({"loans": [{"barcode": l.copy.barcode, "overdue": l.overdue_days} async for l in loans]})


async def fines(request):
    user = await request.auser()
    loans = [l async for l in Loan.objects.filter(member=user)]
    cents = sum(l.overdue_days for l in loans) * settings.FINE_PER_DAY_CENTS
    return JsonResponse({"fines_cents": cents})


async def branch_stats(request):
    totals = Copy.objects.values("branch").annotate(n=Count("id"))
    stats = Loan.objects.aggregate(open=Count("id"), late=Sum("copy__title_id"))  # PITFALL: DJA1 aggregate() runs on the loop
    return JsonResponse({"branches": [t async for t in totals], "loans": stats["open"]})


@require_POST
async def register(request):
    data = json.loads(request.body or b"{}")
    user = User.objects.create_user(data["username"], password=data.get("password"))  # PITFALL: DJA1+DJA4 create_user() hashes the password and inserts on the loop
    return JsonResponse({"id": user.pk}, status=201)


@require_POST
async def register_v2(request):
    data = json.loads(request.body or b"{}")
    user = await User.objects.acreate_user(data["username"] + "2", password=None)
    return JsonResponse({"id": user.pk}, status=201)


async def make_librarian(request, username):
    member = await User.objects.aget(username=username)
    group, _ = Group.objects.get_or_create(name="librarians")  # PITFALL: DJA1 get_or_create() on the loop
    await member.groups.aadd(group)
    return JsonResponse({"ok": True})


async def is_librarian(request):
    user = await request.auser()
    staff = await user.groups.filter(name="librarians").aexists()
    return JsonResponse({"librarian": staff})


async def is_librarian_legacy(request):
    user = await request.auser()
    staff = "librarians" in [g.name for g in user.groups.all()]  # PITFALL: DJA1 iterating the groups manager queries
    return JsonResponse({"librarian": staff})


async def place_hold(request, isbn):
    user = await request.auser()
    title = await Title.objects.aget(isbn=isbn)
    Hold.objects.acreate(title=title, member=user)  # PITFALL: DJA2 acreate() not awaited: the hold is never placed
    return JsonResponse({"queued": True}, status=202)


async def enrich_title(request, isbn):
    title = await Title.objects.aget(isbn=isbn)
    meta = requests.get(f"{settings.ISBN_SERVICE}/v1/{isbn}", timeout=5).json()  # PITFALL: DJA3 requests.get on the loop
    title.name = meta.get("title") or title.name
    await title.asave(update_fields=["name"])
    return JsonResponse({"name": title.name})


async def enrich_title_v2(request, isbn):
    title = await Title.objects.aget(isbn=isbn)
    meta = await sync_to_async(lambda: requests.get(f"{settings.ISBN_SERVICE}/v1/{isbn}", timeout=5).json(), thread_sensitive=False)()
    await Title.objects.filter(pk=title.pk).aupdate(name=meta.get("title") or title.name)
    return JsonResponse({"ok": True})


async def return_copy(request, barcode):
    loan = await Loan.objects.filter(copy__barcode=barcode, returned__isnull=True).afirst()
    if loan is None:
        return JsonResponse({"detail": "not on loan"}, status=404)
    loan.returned = timezone.localdate()
    await loan.asave(update_fields=["returned"])
    next_hold = Hold.objects.filter(title__copies__barcode=barcode).order_by("placed")
    if next_hold:  # PITFALL: DJA1 truth test evaluates the queryset
        return JsonResponse({"returned": True, "hold": True})
    return JsonResponse({"returned": True, "hold": False})


async def verify_member_password(request):
    user = await request.auser()
    ok = user.check_password(request.GET.get("pw", ""))  # PITFALL: DJA4 check_password() hashes on the loop
    return JsonResponse({"ok": ok})
