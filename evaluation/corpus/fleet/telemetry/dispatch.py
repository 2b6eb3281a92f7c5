import gzip
import json

import httpx
import requests
from django.conf import settings


async def notify_dispatch(event):
    async with httpx.AsyncClient(base_url=settings.DISPATCH_URL, timeout=5) as client:
        await client.post("/events", json=event)


def reverse_geocode(lat, lon):
    resp = requests.get(f"{settings.GEOCODER_URL}/reverse", params={"lat": lat, "lon": lon, "format": "json"}, timeout=5)
    return resp.json().get("title", "")


async def areverse_geocode(lat, lon):
    async with httpx.AsyncClient(base_url=settings.GEOCODER_URL, timeout=5) as client:
        resp = await client.get("/reverse", params={"lat": lat, "lon": lon, "format": "json"})
    return resp.json().get("title", "")


def load_replay(name):
    with gzip.open(settings.REPLAY_DIR / f"{name}.json.gz", "rt") as fh:
        return json.load(fh)
