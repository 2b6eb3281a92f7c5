import asyncio
import hashlib
import json
import secrets

from asgiref.sync import sync_to_async
from django.contrib.auth import alogin, authenticate, get_user_model
from django.contrib.auth.hashers import check_password, make_password
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt

from .models import AgentProfile

User = get_user_model()
TOKEN_ITERATIONS = 2_400_000


def _hash_token(token, salt):
    return hashlib.pbkdf2_hmac("sha256", token.encode(), salt.encode(), TOKEN_ITERATIONS).hex()


@csrf_exempt
async def api_login(request):
    data = json.loads(request.body or b"{}")
    user = authenticate(request, username=data.get("username"), password=data.get("password"))  # PITFALL: DJA1+DJA4 authenticate() queries the user table and hashes the password on the loop
    if user is None:
        return JsonResponse({"ok": False}, status=401)
    return JsonResponse({"ok": True})


@csrf_exempt
async def api_login_v2(request):
    data = json.loads(request.body or b"{}")
    user = await sync_to_async(authenticate)(request, username=data.get("username"), password=data.get("password"))
    if user is None:
        return JsonResponse({"ok": False}, status=401)
    await alogin(request, user)
    return JsonResponse({"ok": True, "user": user.username})


@csrf_exempt
async def register_agent(request):
    data = json.loads(request.body or b"{}")
    username = data.get("username") or f"agent-{secrets.token_hex(3)}"
    hashed = make_password(data.get("password", ""))  # PITFALL: DJA4 PBKDF2 hashing on the event loop
    user = await User.objects.acreate(username=username, password=hashed)
    return JsonResponse({"id": user.pk}, status=201)


@csrf_exempt
async def register_agent_v2(request):
    data = json.loads(request.body or b"{}")
    username = data.get("username") or f"agent-{secrets.token_hex(3)}"
    hashed = await sync_to_async(make_password)(data.get("password", ""))
    user = await User.objects.acreate(username=username, password=hashed)
    return JsonResponse({"id": user.pk}, status=201)


async def issue_api_token(request):
    user = await request.auser()
    token = secrets.token_urlsafe(32)
    digest = _hash_token(token, user.username)  # PITFALL: DJA4 2.4M-iteration pbkdf2 via a local helper, on the loop
    await AgentProfile.objects.aupdate_or_create(user=user, defaults={"api_token_hash": digest})
    return JsonResponse({"token": token})


async def issue_api_token_v2(request):
    user = await request.auser()
    token = secrets.token_urlsafe(32)
    digest = await asyncio.to_thread(_hash_token, token, user.username)
    await AgentProfile.objects.aupdate_or_create(user=user, defaults={"api_token_hash": digest})
    return JsonResponse({"token": token})


async def verify_pin(request):
    user = await request.auser()
    profile = await AgentProfile.objects.filter(user=user).afirst()
    stored = profile.api_token_hash if profile else make_password(None)
    ok = check_password(request.GET.get("pin", ""), stored)  # PITFALL: DJA4 check_password hashes on the loop
    return JsonResponse({"ok": ok})


def change_signature(request):
    """Sync view: setting a password or signature here runs in a worker thread."""
    profile, _ = AgentProfile.objects.get_or_create(user=request.user)
    profile.signature = request.POST.get("signature", profile.signature)
    profile.save()
    if request.POST.get("password"):
        request.user.set_password(request.POST["password"])
        request.user.save()
    return JsonResponse({"ok": True})


async def profile_view(request):
    user = await request.auser()
    profile = await AgentProfile.objects.select_related("user").aget(user=user)
    return JsonResponse({"user": profile.user.username, "tz": profile.timezone, "signature": profile.signature})


async def reset_password(request):
    user = await request.auser()
    new_password = request.GET.get("password", "s3cret-Passw0rd")
    user.set_password(new_password)  # PITFALL: DJA4 set_password hashes on the loop
    await user.asave(update_fields=["password"])
    return JsonResponse({"ok": True})
