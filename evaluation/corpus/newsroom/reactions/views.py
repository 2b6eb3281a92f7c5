from collections import Counter

from django.db.models import aprefetch_related_objects
from django.http import JsonResponse

from news.models import Article

from .models import Reaction


async def recent_reactions(request):
    reactions = [r async for r in Reaction.objects.select_related("user").order_by("-created")[:20]]
    feed = [{"user": r.user.username, "kind": r.kind, "on": str(r.content_object)} for r in reactions]  # PITFALL: DJA1 GenericForeignKey access queries per reaction
    return JsonResponse({"feed": feed})


async def recent_reactions_v2(request):
    reactions = [r async for r in Reaction.objects.select_related("user").order_by("-created")[:20]]
    await aprefetch_related_objects(reactions, "content_object")
    feed = [{"user": r.user.username, "kind": r.kind, "on": str(r.content_object)} for r in reactions]
    return JsonResponse({"feed": feed})


async def article_reactions(request, slug):
    article = await Article.published.aget(slug=slug)
    kinds = Counter([r.kind async for r in Reaction.objects.filter(object_id=article.pk).only("kind")])
    return JsonResponse(dict(kinds))


async def react(request, slug):
    from django.contrib.contenttypes.models import ContentType

    user = await request.auser()
    article = await Article.published.aget(slug=slug)
    ct = await ContentType.objects.aget(app_label="news", model="article")
    reaction, created = await Reaction.objects.aget_or_create(
        content_type=ct, object_id=article.pk, user=user, defaults={"kind": request.GET.get("kind", "like")}
    )
    if not created:
        reaction.kind = request.GET.get("kind", reaction.kind)
        reaction.save(update_fields=["kind"])  # PITFALL: DJA1 save() on the loop
    return JsonResponse({"created": created})


async def reaction_totals(request):
    totals = {}
    async for row in Reaction.objects.values("kind").order_by():
        totals[row["kind"]] = totals.get(row["kind"], 0) + 1
    users = Reaction.objects.values_list("user_id", flat=True).distinct()
    return JsonResponse({"totals": totals, "users": len(set(users))})  # PITFALL: DJA1 set() iterates the queryset
