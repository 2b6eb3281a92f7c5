"""CSV exports for the finance team and the nightly reconciliation file."""
import asyncio
import csv
import json
import secrets
from datetime import date

from django.conf import settings
from django.contrib.auth.hashers import make_password as hash_secret
from django.core.cache import cache
from django.http import JsonResponse

from .models import Invoice

FIELDS = ["number", "customer__name", "status", "amount"]


def write_invoice_csv(path, rows):
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(FIELDS)
        writer.writerows(rows)
    return path


async def export_invoices(request):
    rows = [
        [r[f] for f in FIELDS]
        async for r in Invoice.objects.order_by("number").values(*FIELDS)
    ]
    path = settings.EXPORT_DIR / f"invoices-{date.today():%Y%m}.csv"
    with open(path, "w", newline="") as fh:  # PITFALL: DJA3 open() for writing blocks the loop on a slow volume
        csv.writer(fh).writerows(rows)
    return JsonResponse({"path": str(path), "rows": len(rows)})


async def export_invoices_v2(request):
    rows = [
        [r[f] for f in FIELDS]
        async for r in Invoice.objects.order_by("number").values(*FIELDS)
    ]
    path = settings.EXPORT_DIR / f"invoices-{date.today():%Y%m}.csv"
    await asyncio.to_thread(write_invoice_csv, path, rows)
    return JsonResponse({"path": str(path), "rows": len(rows)})


async def import_bank_statement(request):
    statement = (settings.INBOX_DIR / "statement.json").read_text()  # PITFALL: DJA3 read_text() blocks on the inbox share
    entries = json.loads(statement)
    refs = {e["ref"] for e in entries}
    matched = await Invoice.objects.filter(number__in=refs).acount()
    return JsonResponse({"entries": len(entries), "matched": matched})


async def create_download_link(request):
    """One-time link to the monthly export; only a hash of the token is kept."""
    token = secrets.token_urlsafe(24)
    await cache.aset(f"export-link:{token[:8]}", hash_secret(token), 3600)  # PITFALL: DJA4 make_password (aliased) hashes on the loop
    return JsonResponse({"token": token})


async def create_download_link_v2(request):
    token = secrets.token_urlsafe(24)
    digest = await asyncio.to_thread(hash_secret, token)
    await cache.aset(f"export-link:{token[:8]}", digest, 3600)
    return JsonResponse({"token": token})
