"""A tiny ninja-style router: handlers are async functions returning plain data."""
import functools
import json

from django.http import HttpResponseNotAllowed, JsonResponse
from django.urls import path


class ApiError(Exception):
    def __init__(self, status, detail):
        super().__init__(detail)
        self.status = status
        self.detail = detail


class Router:
    def __init__(self):
        self._routes = []

    def route(self, method, pattern):
        def register(handler):
            @functools.wraps(handler)
            async def endpoint(request, **kwargs):
                if request.method != method:
                    return HttpResponseNotAllowed([method])
                if method in ("POST", "PUT", "PATCH") and request.content_type == "application/json":
                    kwargs["payload"] = json.loads(request.body or b"{}")
                try:
                    data = await handler(request, **kwargs)
                except ApiError as exc:
                    return JsonResponse({"detail": exc.detail}, status=exc.status)
                return JsonResponse(data, safe=False)

            self._routes.append(path(pattern, endpoint, name=handler.__name__))
            return handler

        return register

    def get(self, pattern):
        return self.route("GET", pattern)

    def post(self, pattern):
        return self.route("POST", pattern)

    @property
    def urls(self):
        from . import products, reports, stock_api  # noqa: F401  (registers the handlers)

        return self._routes


router = Router()
