from django.db import models


class Vehicle(models.Model):
    plate = models.CharField(max_length=12, unique=True)
    device_token = models.CharField(max_length=64, unique=True)
    last_seen = models.DateTimeField(null=True, blank=True)


class Trip(models.Model):
    vehicle = models.ForeignKey(Vehicle, on_delete=models.CASCADE, related_name="trips")
    started = models.DateTimeField()
    ended = models.DateTimeField(null=True, blank=True)
    distance_km = models.FloatField(default=0)


class Ping(models.Model):
    trip = models.ForeignKey(Trip, on_delete=models.CASCADE, related_name="pings")
    lat = models.FloatField()
    lon = models.FloatField()
    at = models.DateTimeField()


class Geofence(models.Model):
    name = models.CharField(max_length=60)
    polygon = models.JSONField(default=list)  # [[lat, lon], ...]
