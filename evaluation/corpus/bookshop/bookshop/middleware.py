import logging
import time

from asgiref.sync import iscoroutinefunction
from django.conf import settings
from django.http import HttpResponse
from django.utils.decorators import sync_and_async_middleware

logger = logging.getLogger(__name__)


class MaintenanceModeMiddleware:
    """Serve a 503 page while MAINTENANCE_MODE is switched on."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.MAINTENANCE_MODE and not request.path.startswith("/healthz"):
            return HttpResponse("Back soon!", status=503)
        return self.get_response(request)


@sync_and_async_middleware
def timing_middleware(get_response):
    """Adds a Server-Timing header. Works in both modes."""

    if iscoroutinefunction(get_response):

        async def middleware(request):
            started = time.perf_counter()
            response = await get_response(request)
            response["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
            return response

    else:

        def middleware(request):
            started = time.perf_counter()
            response = get_response(request)
            response["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
            return response

    return middleware
