import logging
import time

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.utils import translation

log = logging.getLogger("confsite.slow")


class LocaleCookieMiddleware:
    sync_capable = True
    async_capable = False

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        lang = request.COOKIES.get("lang")
        if lang:
            translation.activate(lang)
        return self.get_response(request)


class SlowRequestLogMiddleware:
    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request):
        if self.is_async:
            return self._acall(request)
        started = time.monotonic()
        response = self.get_response(request)
        self._log(request, started)
        return response

    async def _acall(self, request):
        started = time.monotonic()
        response = await self.get_response(request)
        self._log(request, started)
        return response

    def _log(self, request, started):
        took = time.monotonic() - started
        if took > 1:
            log.warning("slow request %s %.2fs", request.path, took)
