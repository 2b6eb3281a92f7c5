import logging

from django.utils.decorators import sync_only_middleware
from django.utils.deprecation import MiddlewareMixin

audit = logging.getLogger("clinic.audit")


@sync_only_middleware
def access_log_middleware(get_response):
    """Patient-data access log (legal requirement). Kept sync: the logging handler is a file."""

    def middleware(request):
        response = get_response(request)
        audit.info("%s %s -> %s", request.method, request.path, response.status_code)
        return response

    return middleware


class NoStoreMiddleware(MiddlewareMixin):
    """Medical data must never be cached by browsers or proxies."""

    async def process_response(self, request, response):  # PITFALL: DJA5 MiddlewareMixin calls process_response through sync_to_async; an async def raises TypeError under ASGI
        response["Cache-Control"] = "no-store"
        return response
