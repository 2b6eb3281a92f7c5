from asgiref.sync import iscoroutinefunction, markcoroutinefunction


def tenant_middleware(get_response):
    """Resolve the tenant from the Host header."""

    def middleware(request):
        request.tenant = request.get_host().split(".")[0]
        return get_response(request)

    return middleware


class CurrencyMiddleware:
    """Pick the display currency from a header; async-capable."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        self.async_mode = iscoroutinefunction(get_response)
        if self.async_mode:
            markcoroutinefunction(self)

    def __call__(self, request):
        if self.async_mode:
            return self.__acall__(request)
        request.currency = request.headers.get("X-Currency", "EUR")
        return self.get_response(request)

    async def __acall__(self, request):
        request.currency = request.headers.get("X-Currency", "EUR")
        return await self.get_response(request)
