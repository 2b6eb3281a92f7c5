import time


class ReadingTimeMiddleware:
    """Adds X-Render-Time; written async-first."""

    sync_capable = False
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response

    async def __call__(self, request):  # PITFALL: DJA5 async __call__ without markcoroutinefunction(self): Django treats the instance as sync and the middleware above receives a coroutine
        started = time.monotonic()
        response = await self.get_response(request)
        response["X-Render-Time"] = f"{time.monotonic() - started:.3f}"
        return response
