"""How the runtime check runs the inventory project."""
from _support import fresh, login_session

SETTINGS = "inventory_site.settings"
ENV = {
    "SUPPLIER_API_URL": "{http}/supplier-api",
    "LABEL_PRINTER_CMD": "{python} -c 'import time; time.sleep(0.35)'",
    "SMTP_RELAY_HOST": "{slow_dns_host}",
    "SMTP_RELAY_PORT": "{smtp_port}",
}



def seed():
    from decimal import Decimal

    from django.contrib.auth.models import User

    from stock.models import Product, StockLevel, StockMovement, Warehouse
    from suppliers.models import Supplier

    user = User.objects.create(username="picker")
    acme = Supplier.objects.create(name="ACME Supply", code="ACME")
    ber = Warehouse.objects.create(code="BER1", city="Berlin")
    ams = Warehouse.objects.create(code="AMS1", city="Amsterdam")
    p1 = Product.objects.create(sku="WID-001", name="Widget", supplier=acme, unit_cost=Decimal("2.50"), reorder_point=20)
    p2 = Product.objects.create(sku="GAD-002", name="Gadget", supplier=acme, unit_cost=Decimal("9.90"))
    Product.objects.create(sku="OLD-003", name="Old thing", supplier=acme, discontinued=True)
    StockLevel.objects.create(product=p1, warehouse=ber, quantity=5)
    StockLevel.objects.create(product=p2, warehouse=ber, quantity=40)
    StockLevel.objects.create(product=p1, warehouse=ams, quantity=12)
    StockMovement.objects.create(product=p1, warehouse=ber, delta=5, reason="seed")
    return {
        "session_key": login_session(user),
        "sku": "WID-001",
        "code": "BER1",
        "pk": 1,
        "skus": ["WID-001", "GAD-002"],
        "event": {"sku": "WID-001", "delta": 1},
        "warehouse_code": "BER1",
        "product_id": p1.pk,
        "warehouse_id": ber.pk,
        "delta": 1,
        "reason": "test",
        "item_sizes": [3, 4, 5],
        "box_capacity": 10,
    }


CSV = "sku,name\nNEW-100,New widget\nWID-001,Widget\n"
CALLS = {
    "api.products.import_products": {"method": "POST", "data": {"csv": CSV, "supplier": "ACME"}},
    "api.products.import_products_v2": {"method": "POST", "data": {"csv": CSV, "supplier": "ACME"}},
    "api.products.discontinue": {"method": "POST", "kwargs": {"sku": "OLD-003"}},
    "api.stock_api.record_movement": {"method": "POST", "kwargs": {"payload": {"sku": "WID-001", "warehouse": "BER1", "delta": 2}}},
    "api.stock_api.record_movement_v2": {"method": "POST", "kwargs": {"payload": {"sku": "WID-001", "warehouse": "BER1", "delta": 2}}},
    "api.stock_api.plan_shipment": {"method": "POST", "kwargs": {"payload": {"sizes": [3, 4, 5, 6, 2, 7, 1, 8, 4, 5], "capacity": 10}}},
    "api.stock_api.plan_shipment_v2": {"method": "POST", "kwargs": {"payload": {"sizes": [3, 4, 5, 6, 2, 7, 1, 8, 4, 5], "capacity": 10}}},
    "stock.views.ProductStockView": {"url_kwargs": {"sku": "WID-001"}, "methods": ["get", "options"]},
    "stock.views.LegacyProductRedirect": {"url_kwargs": {"pk": 1}},
    "stock.views.AuditedStockView": {"url_kwargs": {"code": "BER1"}},
}
SKIP = {
    "api.router.Router.route": "decorator factory; every endpoint it builds is exercised through the handlers",
    "api.router.Router.get": "decorator factory",
    "api.router.Router.post": "decorator factory",
}
