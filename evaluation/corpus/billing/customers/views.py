from django import forms
from django.http import JsonResponse
from django.views.decorators.http import require_POST

from .models import Customer, Plan, Subscription


class SignupForm(forms.ModelForm):
    plan = forms.ModelChoiceField(queryset=Plan.objects.all())

    class Meta:
        model = Customer
        fields = ["name", "email"]


async def plans(request):
    data = [{"code": p.code, "price": str(p.monthly_price)} async for p in Plan.objects.order_by("monthly_price")]
    return JsonResponse({"plans": data})


@require_POST
async def signup(request):
    form = SignupForm(request.POST)
    if not form.is_valid():  # PITFALL: DJA1 ModelForm validation queries (unique email, plan choice) on the loop
        return JsonResponse(form.errors, status=400)
    plan = form.cleaned_data.pop("plan")
    customer = await Customer.objects.acreate(**form.cleaned_data)
    await Subscription.objects.acreate(customer=customer, plan=plan)
    return JsonResponse({"id": customer.pk}, status=201)


async def subscription_summary(request, customer_id):
    customer = await Customer.objects.aget(pk=customer_id)
    subs = customer.subscriptions.select_related("plan")
    total = sum([s.monthly_total() async for s in subs])
    active = await Subscription.active.filter(customer=customer).acount()
    has_any = customer.subscriptions.exists()  # PITFALL: DJA1 exists() on a related manager
    return JsonResponse({"total": str(total), "active": active, "any": has_any})


async def change_seats(request, customer_id):
    seats = int(request.GET.get("seats", 1))
    sub = await Subscription.active.filter(customer_id=customer_id).select_related("plan").afirst()
    if sub is None:
        return JsonResponse({"detail": "no subscription"}, status=404)
    sub.seats = seats
    sub.full_clean()  # PITFALL: DJA1 full_clean() validates the FKs with queries
    await sub.asave(update_fields=["seats"])
    return JsonResponse({"seats": sub.seats, "monthly": str(sub.monthly_total())})


async def cancel(request, customer_id):
    sub = await Subscription.active.filter(customer_id=customer_id).afirst()
    if sub:
        from django.utils import timezone

        sub.cancelled_at = timezone.now()
        await sub.asave(update_fields=["cancelled_at"])
    return JsonResponse({"cancelled": bool(sub)})
