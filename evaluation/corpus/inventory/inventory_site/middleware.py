from django.utils.deprecation import MiddlewareMixin


class ApiVersionMiddleware(MiddlewareMixin):
    """Echo the requested API version back to the client."""

    def __call__(self, request):  # PITFALL: DJA5 overriding MiddlewareMixin.__call__ bypasses its async mode: get_response returns a coroutine here under ASGI
        request.api_version = request.headers.get("X-Api-Version", "1")
        response = self.get_response(request)
        response["X-Api-Version"] = request.api_version
        return response
