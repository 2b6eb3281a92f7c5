import logging
import uuid

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.utils.deprecation import MiddlewareMixin

audit_log = logging.getLogger("helpdesk.audit")


class RequestIDMiddleware:
    """Tag every request/response with an X-Request-ID (async-native)."""

    sync_capable = False
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        if iscoroutinefunction(self.get_response):
            markcoroutinefunction(self)

    async def __call__(self, request):
        request.request_id = request.headers.get("X-Request-ID") or uuid.uuid4().hex
        response = await self.get_response(request)
        response["X-Request-ID"] = request.request_id
        return response


class AuditLogMiddleware(MiddlewareMixin):
    """Writes one audit line per request."""

    async def process_request(self, request):  # PITFALL: DJA5 MiddlewareMixin runs process_request through sync_to_async; an async def here raises TypeError
        audit_log.info("%s %s", request.method, request.path)

    def process_response(self, request, response):
        audit_log.info("-> %s", response.status_code)
        return response
