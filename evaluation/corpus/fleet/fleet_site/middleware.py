from django.conf import settings


class DeviceAuthMiddleware:
    """Marks requests that carry a device token (the views check it)."""

    sync_capable = True
    async_capable = True  # PITFALL: DJA5 claims async support but __call__ is sync: under ASGI it returns the inner coroutine to a middleware that expects a response

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.device_token = request.headers.get(settings.DEVICE_TOKEN_HEADER)
        return self.get_response(request)
