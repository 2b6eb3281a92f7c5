import asyncio
from decimal import Decimal

from asgiref.sync import sync_to_async
from django.db.models import F, Sum

from stock.models import Product, StockLevel, StockMovement, Warehouse
from suppliers.models import Supplier

from .router import router


@router.get("reports/valuation/")
async def valuation(request):
    levels = StockLevel.objects.select_related("product", "warehouse")
    total = Decimal("0")
    per_wh = {}
    async for level in levels:
        value = level.product.unit_cost * level.quantity
        total += value
        per_wh[level.warehouse.code] = per_wh.get(level.warehouse.code, Decimal("0")) + value
    return {"total": str(total), "per_warehouse": {k: str(v) for k, v in per_wh.items()}}


@router.get("reports/suppliers/")
async def supplier_report(request):
    suppliers = Supplier.objects.prefetch_related("products").order_by("name")
    rows = []
    async for s in suppliers:
        rows.append({"supplier": s.name, "skus": [p.sku for p in s.products.all()]})
    return rows


@router.get("reports/movements/")
async def movement_totals(request):
    rows = StockMovement.objects.values("reason").annotate(total=Sum("delta")).order_by("reason")
    return {r["reason"]: r["total"] async for r in rows}


@router.get("reports/reorder/")
async def reorder_list(request):
    low = StockLevel.objects.filter(quantity__lt=F("product__reorder_point")).values("product__sku", "warehouse__code", "quantity")
    return [row async for row in low]


@router.get("reports/warehouses/")
async def warehouse_counts(request):
    codes = [w async for w in Warehouse.objects.values_list("code", flat=True)]
    counts = await asyncio.gather(*(StockLevel.objects.filter(warehouse__code=c).acount() for c in codes))
    return dict(zip(codes, counts))


@router.get("reports/products/<str:sku>/history/")
async def product_history(request, sku):
    product = await Product.objects.aget(sku=sku)
    movements = [m async for m in product.movements.order_by("-created").values("delta", "reason")]
    supplier = await Supplier.objects.aget(pk=product.supplier_id)
    return {"sku": product.sku, "supplier": supplier.name, "movements": movements}


@router.get("reports/snapshot/")
async def snapshot(request):
    rows = await sync_to_async(lambda: [
        (l.product.sku, l.warehouse.code, l.quantity) for l in StockLevel.objects.all()
    ])()
    return {"rows": rows}


@router.get("reports/costliest/")
async def costliest(request):
    top = Product.objects.order_by("-unit_cost")[:3]
    skus = [p.sku for p in top]  # PITFALL: DJA1 list comprehension over a sliced queryset
    return {"skus": skus}


@router.get("reports/supplier-of/<str:sku>/")
async def supplier_of(request, sku):
    level = await StockLevel.objects.filter(product__sku=sku).afirst()
    return {"sku": sku, "supplier": level.product.supplier.name}  # PITFALL: DJA1 product and supplier FKs were not selected
