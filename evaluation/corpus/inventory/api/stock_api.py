import asyncio
import socket
import subprocess
import tempfile

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db.models import Sum

from stock import services
from stock.events import apublish_stock_event, publish_stock_event
from stock.models import Product, StockLevel, StockMovement, Warehouse

from .router import ApiError, router


@router.get("warehouses/<str:code>/summary/")
async def warehouse_summary(request, code):
    warehouse = await Warehouse.objects.aget(code=code)
    levels = StockLevel.objects.filter(warehouse=warehouse)
    total = levels.total()  # PITFALL: DJA1 custom queryset method aggregates synchronously
    negative = any(l.quantity < 0 for l in levels)  # PITFALL: DJA1 any() over a queryset iterates it
    by_product = await levels.values("product_id").annotate(q=Sum("quantity")).acount()
    return {"warehouse": warehouse.code, "total": total, "negative": negative, "products": by_product}


@router.get("warehouses/<str:code>/summary/v2/")
async def warehouse_summary_v2(request, code):
    warehouse = await Warehouse.objects.aget(code=code)
    levels = StockLevel.objects.filter(warehouse_id=warehouse.pk)
    agg = await levels.aaggregate(total=Sum("quantity"))
    negative = await levels.filter(quantity__lt=0).aexists()
    return {"warehouse": warehouse.code, "total": agg["total"] or 0, "negative": negative}


@router.get("warehouses/<str:code>/low/")
async def low_stock(request, code):
    skus = await sync_to_async(services.low_stock_skus)(code)
    return {"skus": skus}


@router.post("movements/")
async def record_movement(request, payload=None):
    payload = payload or {}
    product = await Product.objects.aget(sku=payload.get("sku"))
    warehouse = await Warehouse.objects.aget(code=payload.get("warehouse"))
    await sync_to_async(services.move_stock)(product.pk, warehouse.pk, int(payload.get("delta", 0)), "api")
    publish_stock_event({"sku": product.sku, "delta": payload.get("delta")})  # PITFALL: DJA7 helper wraps async_to_sync, which raises inside the running loop
    return {"ok": True}


@router.post("movements/v2/")
async def record_movement_v2(request, payload=None):
    payload = payload or {}
    product = await Product.objects.aget(sku=payload.get("sku"))
    warehouse = await Warehouse.objects.aget(code=payload.get("warehouse"))
    await sync_to_async(services.move_stock)(product.pk, warehouse.pk, int(payload.get("delta", 0)), "api")
    await apublish_stock_event({"sku": product.sku, "delta": payload.get("delta")})
    return {"ok": True}


@router.post("movements/<int:pk>/undo/")
async def undo_movement(request, pk, payload=None):
    movement = await StockMovement.objects.aget(pk=pk)
    movement.delete()  # PITFALL: DJA1 Model.delete() on the loop
    return {"undone": pk}


@router.get("latest-movements/")
async def latest_movements(request):
    rows = []
    for m in StockMovement.objects.order_by("-created").iterator():  # PITFALL: DJA1 iterating .iterator() runs the query on the loop
        rows.append({"product": m.product_id, "delta": m.delta})
    return rows


@router.get("latest-movements/v2/")
async def latest_movements_v2(request):
    rows = []
    async for m in StockMovement.objects.order_by("-created").aiterator():
        rows.append({"product": m.product_id, "delta": m.delta})
    return rows


@router.post("labels/<str:sku>/print/")
async def print_label(request, sku, payload=None):
    product = await Product.objects.aget(sku=sku)
    with tempfile.NamedTemporaryFile("w", suffix=".zpl", delete=False) as fh:
        fh.write(f"^XA^FO50,50^FD{product.sku} {product.name}^FS^XZ")
    subprocess.run([*settings.LABEL_PRINTER_CMD, fh.name], check=True)  # PITFALL: DJA3 subprocess.run waits for the printer spooler on the loop
    return {"printed": sku}


@router.post("labels/<str:sku>/print/v2/")
async def print_label_v2(request, sku, payload=None):
    product = await Product.objects.aget(sku=sku)
    with tempfile.NamedTemporaryFile("w", suffix=".zpl", delete=False) as fh:
        fh.write(f"^XA^FO50,50^FD{product.sku} {product.name}^FS^XZ")
    proc = await asyncio.create_subprocess_exec(*settings.LABEL_PRINTER_CMD, fh.name)
    await proc.wait()
    return {"printed": sku}


@router.get("relay/health/")
async def relay_health(request):
    with socket.create_connection(settings.SMTP_RELAY, timeout=3) as sock:  # PITFALL: DJA3 DNS lookup and TCP connect block the loop
        banner = sock.recv(128)  # PITFALL: DJA3 blocking socket read waits for the relay banner
    return {"banner": banner.decode(errors="replace").strip()}


@router.post("shipments/plan/")
async def plan_shipment(request, payload=None):
    sizes = [int(s) for s in (payload or {}).get("sizes", [])]
    if len(sizes) > 12:
        raise ApiError(400, "too many items")
    boxes = services.pack_boxes(sizes, int((payload or {}).get("capacity", 10)))  # PITFALL: DJA4 brute-force permutation search runs on the loop
    return {"boxes": boxes}


@router.post("shipments/plan/v2/")
async def plan_shipment_v2(request, payload=None):
    sizes = [int(s) for s in (payload or {}).get("sizes", [])]
    boxes = await asyncio.to_thread(services.pack_boxes, sizes, int((payload or {}).get("capacity", 10)))
    return {"boxes": boxes}


@router.get("warehouses/")
async def warehouses(request):
    found = [w.code async for w in Warehouse.objects.order_by("code")]
    asyncio.wait_for(Warehouse.objects.acount(), timeout=2)  # PITFALL: DJA2 wait_for() is a coroutine too; without await nothing runs
    return {"warehouses": found}
