"""How the runtime check runs the fleet project."""
import gzip
import json
import math

from _support import login_session

SETTINGS = "fleet_site.settings"
ENV = {
    "GEOCODER_URL": "{http}/geocoder",
    "DISPATCH_URL": "{http}/dispatch",
    "REPLAY_DIR": "{tmp}/replays",
}


def slow_files():
    from django.conf import settings

    return {"read": {settings.REPLAY_DIR / "monday.json.gz": gzip.compress(json.dumps([{"lat": 1}] * 50).encode())}}


def _circle(lat, lon, r, n=2000):
    return [[lat + r * math.cos(2 * math.pi * i / n), lon + r * math.sin(2 * math.pi * i / n)] for i in range(n)]


def seed():
    from datetime import timedelta

    from django.contrib.auth.models import User
    from django.utils import timezone

    from telemetry.models import Geofence, Ping, Trip, Vehicle

    settings_dir = __import__("django.conf").conf.settings.REPLAY_DIR
    settings_dir.mkdir(parents=True, exist_ok=True)
    ops = User.objects.create(username="ops")
    van = Vehicle.objects.create(plate="LY-123-AB", device_token="tok-van")
    now = timezone.now()
    trip = Trip.objects.create(vehicle=van, started=now - timedelta(hours=1))
    Ping.objects.bulk_create([
        Ping(trip=trip, lat=45.75 + i * 1e-4, lon=4.85 + (i % 50) * 1e-4, at=now - timedelta(seconds=2000 - i))
        for i in range(2000)
    ])
    for k in range(3):
        Geofence.objects.create(name=f"zone{k}", polygon=_circle(45.76 + k * 0.01, 4.852, 0.01))
    return {
        "session_key": login_session(ops),
        "trip_id": trip.pk,
        "pk": trip.pk,
        "plate": van.plate,
        "name": "monday",
        "event": {"ping": 1},
        "lat": 45.75,
        "lon": 4.85,
    }


PINGS = [{"lat": 45.7, "lon": 4.8, "at": "2030-01-01T10:00:00+00:00", "device": "tok-van"}]
CALLS = {
    "telemetry.views.ingest": {"method": "POST", "body": PINGS, "headers": {"X-Device-Token": "tok-van"}},
    "telemetry.views.ingest_v2": {"method": "POST", "body": PINGS, "headers": {"X-Device-Token": "tok-van"}},
    "telemetry.views.ingest_legacy": {"method": "POST", "body": PINGS},
    "telemetry.views.TripDetailView": {"url_kwargs": {"pk": 1}},
}
SKIP = {}
