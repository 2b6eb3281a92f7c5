import asyncio
import json

from asgiref.sync import sync_to_async
from django.http import JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import DetailView

from . import dispatch, geo
from .models import Geofence, Ping, Trip, Vehicle


@csrf_exempt
async def ingest(request):
    batch = json.loads(request.body or b"[]")
    vehicle = await Vehicle.objects.aget(device_token=request.headers.get("X-Device-Token", ""))
    trip = await vehicle.trips.filter(ended__isnull=True).alatest("started")
    pings = [Ping(trip=trip, lat=p["lat"], lon=p["lon"], at=parse_datetime(p["at"])) for p in batch]
    Ping.objects.bulk_create(pings)  # PITFALL: DJA1 bulk_create() on the loop
    vehicle.last_seen = timezone.now()
    await vehicle.asave(update_fields=["last_seen"])
    return JsonResponse({"stored": len(pings)})


@csrf_exempt
async def ingest_v2(request):
    batch = json.loads(request.body or b"[]")
    vehicle = await Vehicle.objects.aget(device_token=request.headers.get("X-Device-Token", ""))
    trip = await vehicle.trips.filter(ended__isnull=True).alatest("started")
    await Ping.objects.abulk_create(
        [Ping(trip_id=trip.pk, lat=p["lat"], lon=p["lon"], at=parse_datetime(p["at"])) for p in batch]
    )
    await Vehicle.objects.filter(pk=vehicle.pk).aupdate(last_seen=timezone.now())
    await dispatch.notify_dispatch({"vehicle": vehicle.plate, "pings": len(batch)})
    return JsonResponse({"stored": len(batch)})


@csrf_exempt
async def ingest_legacy(request):
    batch = json.loads(request.body or b"[]")
    stored = 0
    for p in batch:
        vehicle = Vehicle.objects.get(device_token=p["device"])  # PITFALL: DJA1 one sync lookup per ping
        await Ping.objects.acreate(trip=await vehicle.trips.alatest("started"), lat=p["lat"], lon=p["lon"], at=parse_datetime(p["at"]))
        stored += 1
    dispatch.notify_dispatch({"pings": stored})  # PITFALL: DJA2 notify_dispatch() is a coroutine function; called without await
    return JsonResponse({"stored": stored})


async def trip_summary(request, trip_id):
    trip = await Trip.objects.select_related("vehicle").aget(pk=trip_id)
    points = [(p.lat, p.lon) async for p in trip.pings.order_by("at")]
    km = geo.path_length_km(points)
    return JsonResponse({"vehicle": trip.vehicle.plate, "km": round(km, 2), "points": len(points)})


async def trip_fences(request, trip_id):
    points = [(p.lat, p.lon) async for p in Ping.objects.filter(trip_id=trip_id).order_by("at")]
    fences = [{"name": f.name, "polygon": f.polygon} async for f in Geofence.objects.all()]
    hits = geo.fence_hits(points, fences)  # PITFALL: DJA4 point-in-polygon over every ping and fence in pure Python on the loop
    return JsonResponse({"hits": len(hits)})


async def trip_fences_v2(request, trip_id):
    points = [(p.lat, p.lon) async for p in Ping.objects.filter(trip_id=trip_id).order_by("at")]
    fences = [{"name": f.name, "polygon": f.polygon} async for f in Geofence.objects.all()]
    hits = await asyncio.to_thread(geo.fence_hits, points, fences)
    return JsonResponse({"hits": len(hits)})


async def where_is(request, plate):
    vehicle = await Vehicle.objects.aget(plate=plate)
    last = await Ping.objects.filter(trip__vehicle=vehicle).order_by("-at").afirst()
    place = dispatch.reverse_geocode(last.lat, last.lon)  # PITFALL: DJA3 requests-based reverse geocoding on the loop
    return JsonResponse({"plate": plate, "place": place})


async def where_is_v2(request, plate):
    vehicle = await Vehicle.objects.aget(plate=plate)
    last = await Ping.objects.filter(trip__vehicle=vehicle).order_by("-at").afirst()
    place = await dispatch.areverse_geocode(last.lat, last.lon)
    return JsonResponse({"plate": plate, "place": place})


async def replay(request, name):
    data = dispatch.load_replay(name)  # PITFALL: DJA3 gzip file read from the replay share on the loop
    return JsonResponse({"pings": len(data)})


async def replay_v2(request, name):
    data = await sync_to_async(dispatch.load_replay)(name)
    return JsonResponse({"pings": len(data)})


async def close_trip(request, trip_id):
    trip = Trip.objects.aget(pk=trip_id)  # PITFALL: DJA2 aget() not awaited; the next line uses the coroutine as a Trip
    await Trip.objects.filter(pk=getattr(trip, "pk", trip_id)).aupdate(ended=timezone.now())
    return JsonResponse({"closed": trip_id})


async def recompute_distance(request, trip_id):
    loop = asyncio.get_event_loop()
    points = loop.run_until_complete(_points(trip_id))  # PITFALL: DJA7 run_until_complete() on the loop that is already running
    return JsonResponse({"points": len(points)})


async def _points(trip_id):
    return [(p.lat, p.lon) async for p in Ping.objects.filter(trip_id=trip_id)]


async def active_vehicles(request):
    trips = Trip.objects.filter(ended__isnull=True)
    plates = [t.vehicle.plate async for t in trips]  # PITFALL: DJA1 vehicle FK not selected
    return JsonResponse({"active": plates})


async def active_vehicles_v2(request):
    plates = [p async for p in Vehicle.objects.filter(trips__ended__isnull=True).values_list("plate", flat=True).distinct()]
    return JsonResponse({"active": plates})


class TripDetailView(DetailView):
    model = Trip

    async def get(self, request, *args, **kwargs):
        trip = self.get_object()  # PITFALL: DJA1 get_object() queries on the loop
        return JsonResponse({"id": trip.pk, "km": trip.distance_km})
