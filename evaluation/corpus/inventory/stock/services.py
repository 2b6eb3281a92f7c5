import itertools
import logging

from django.db import transaction
from django.db.models import F

from .models import StockLevel, StockMovement

log = logging.getLogger(__name__)


def move_stock(product_id, warehouse_id, delta, reason):
    with transaction.atomic():
        level, _ = StockLevel.objects.select_for_update().get_or_create(product_id=product_id, warehouse_id=warehouse_id)
        level.quantity = F("quantity") + delta
        level.save(update_fields=["quantity"])
        StockMovement.objects.create(product_id=product_id, warehouse_id=warehouse_id, delta=delta, reason=reason)


def low_stock_skus(warehouse_code):
    return sorted(
        StockLevel.objects.in_warehouse(warehouse_code).below_reorder().values_list("product__sku", flat=True)
    )


def pack_boxes(item_sizes, box_capacity):
    """Brute-force the order of items that needs the fewest boxes (small orders only)."""
    best = None
    for order in itertools.permutations(item_sizes):
        boxes, current = 1, 0
        for size in order:
            if current + size > box_capacity:
                boxes, current = boxes + 1, 0
            current += size
        if best is None or boxes < best:
            best = boxes
    return best
