import csv
import io
import time

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db.models import Q

from stock.models import Product, StockLevel
from suppliers import client as supplier_client
from suppliers.models import Supplier

from .pagination import apaginate, paginate
from .router import ApiError, router


def _product_out(p):
    return {"sku": p.sku, "name": p.name, "unit_cost": str(p.unit_cost)}


@router.get("products/")
async def list_products(request):
    qs = Product.objects.filter(discontinued=False).order_by("sku")
    if term := request.GET.get("q"):
        qs = qs.filter(Q(sku__icontains=term) | Q(name__icontains=term))
    page = paginate(qs, int(request.GET.get("page", 1)))  # PITFALL: DJA1 sync pagination helper counts and slices on the loop
    return {"total": page["total"], "items": [_product_out(p) for p in page["items"]]}


@router.get("products/v2/")
async def list_products_v2(request):
    qs = Product.objects.filter(discontinued=False).order_by("sku")
    page = await apaginate(qs, int(request.GET.get("page", 1)))
    return {"total": page["total"], "items": [_product_out(p) for p in page["items"]]}


@router.get("products/<str:sku>/")
async def product_detail(request, sku):
    product = await Product.objects.filter(sku=sku).afirst()
    if product is None:
        raise ApiError(404, "unknown sku")
    return {**_product_out(product), "supplier": product.supplier.name}  # PITFALL: DJA1 supplier FK (another app) not selected


@router.get("products/<str:sku>/v2/")
async def product_detail_v2(request, sku):
    product = await Product.objects.select_related("supplier").filter(sku=sku).afirst()
    if product is None:
        raise ApiError(404, "unknown sku")
    levels = [{"wh": l.warehouse_id, "qty": l.quantity} async for l in product.levels.all()]
    return {**_product_out(product), "supplier": product.supplier.name, "levels": levels}


@router.post("products/import/")
async def import_products(request, payload=None):
    upload = request.FILES.get("file")
    text = upload.read().decode() if upload else request.POST.get("csv", "")
    supplier = await Supplier.objects.aget(code=request.POST.get("supplier", "ACME"))
    rows = list(csv.DictReader(io.StringIO(text)))
    existing = Product.objects.in_bulk([r["sku"] for r in rows], field_name="sku")  # PITFALL: DJA1 in_bulk() runs a query
    new = [Product(sku=r["sku"], name=r["name"], supplier=supplier) for r in rows if r["sku"] not in existing]
    Product.objects.bulk_create(new)  # PITFALL: DJA1 bulk_create() on the loop
    return {"created": len(new)}


@router.post("products/import/v2/")
async def import_products_v2(request, payload=None):
    text = request.POST.get("csv", "")
    supplier = await Supplier.objects.aget(code=request.POST.get("supplier", "ACME"))
    rows = list(csv.DictReader(io.StringIO(text)))
    existing = await Product.objects.ain_bulk([r["sku"] for r in rows], field_name="sku")
    new = [Product(sku=r["sku"], name=r["name"], supplier=supplier) for r in rows if r["sku"] not in existing]
    Product.objects.abulk_create(new)  # PITFALL: DJA2 abulk_create() not awaited, nothing is created
    return {"created": len(new)}


@router.get("products/<str:sku>/price/")
async def live_price(request, sku):
    qty = int(request.GET.get("qty", 1))
    price = supplier_client.fetch_price(sku)  # PITFALL: DJA2 coroutine not awaited; multiplying it raises TypeError
    return {"sku": sku, "total": price * qty}


@router.get("products/<str:sku>/price/v2/")
async def live_price_v2(request, sku):
    qty = int(request.GET.get("qty", 1))
    price = await supplier_client.fetch_price(sku)
    return {"sku": sku, "total": price * qty}


@router.get("reorder/prices/")
async def reorder_prices(request):
    skus = [p.sku async for p in Product.objects.filter(discontinued=False).order_by("sku")[:3]]
    prices = {}
    for sku in skus:
        prices[sku] = supplier_client.get_price(sku)  # PITFALL: DJA3 blocking requests.get per sku
        time.sleep(settings.SUPPLIER_RATE_LIMIT_SECONDS)  # PITFALL: DJA3 time.sleep rate limiting in a coroutine
    return prices


@router.get("reorder/prices/v2/")
async def reorder_prices_v2(request):
    skus = [p.sku async for p in Product.objects.filter(discontinued=False).order_by("sku")[:3]]
    return await supplier_client.fetch_prices(skus)


@router.get("reorder/prices/v3/")
async def reorder_prices_v3(request):
    skus = [p.sku async for p in Product.objects.filter(discontinued=False).order_by("sku")[:3]]
    get_price = sync_to_async(supplier_client.get_price, thread_sensitive=False)
    return {sku: await get_price(sku) for sku in skus}


@router.get("discontinued/")
async def discontinued(request):
    names = sorted(Product.objects.filter(discontinued=True), key=lambda p: p.name)  # PITFALL: DJA1 sorted() iterates the queryset
    return [p.sku for p in names]


@router.post("discontinued/<str:sku>/")
async def discontinue(request, sku, payload=None):
    updated = Product.objects.filter(sku=sku).update(discontinued=True)  # PITFALL: DJA1 update() on the loop
    await StockLevel.objects.filter(product__sku=sku).adelete()
    return {"updated": updated}
