from django.conf import settings

DEFAULT_PAGE_SIZE = getattr(settings, "API_PAGE_SIZE", 50)


def paginate(queryset, page=1, size=DEFAULT_PAGE_SIZE):
    """Sync paginator used by the admin exports."""
    total = queryset.count()
    start = (page - 1) * size
    return {"total": total, "items": list(queryset[start:start + size])}


async def apaginate(queryset, page=1, size=DEFAULT_PAGE_SIZE):
    total = await queryset.acount()
    start = (page - 1) * size
    return {"total": total, "items": [obj async for obj in queryset[start:start + size]]}
