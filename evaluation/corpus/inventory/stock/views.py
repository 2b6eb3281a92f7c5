import logging

from django.http import HttpResponse, JsonResponse
from django.views import View
from django.views.generic import RedirectView, TemplateView

from .models import Product, StockLevel, Warehouse

log = logging.getLogger(__name__)


class ProductStockView(View):
    http_method_names = ["get", "options"]

    async def get(self, request, sku):
        product = await Product.objects.aget(sku=sku)
        levels = {l.warehouse_id: l.quantity async for l in StockLevel.objects.filter(product=product)}
        return JsonResponse({"sku": product.sku, "levels": levels})

    def options(self, request, *args, **kwargs):  # PITFALL: DJA6 sync options() on an async view returns a plain response where Django awaits one
        response = HttpResponse()
        response["Allow"] = "GET, OPTIONS"
        response["Access-Control-Allow-Origin"] = "*"
        return response


class WarehouseMapView(TemplateView):
    template_name = "stock/map.html"

    async def get(self, request, *args, **kwargs):
        context = self.get_context_data(**kwargs)
        context["warehouses"] = [w async for w in Warehouse.objects.order_by("city")]
        return self.render_to_response(context)


class LegacyProductRedirect(RedirectView):  # PITFALL: DJA6 RedirectView keeps its sync post/put/delete handlers; an async get alone makes as_view() raise ImproperlyConfigured
    permanent = True

    async def get(self, request, *args, **kwargs):
        product = await Product.objects.aget(pk=kwargs["pk"])
        self.url = f"/api/products/{product.sku}/"
        return await super().get(request, *args, **kwargs)


class AuditedStockView(View):
    """async dispatch is fine when every handler is async too."""

    async def dispatch(self, request, *args, **kwargs):
        log.info("stock view %s %s", request.method, request.path)
        return await super().dispatch(request, *args, **kwargs)

    async def get(self, request, code):
        warehouse = await Warehouse.objects.aget(code=code)
        return JsonResponse({"code": warehouse.code, "levels": await warehouse.levels.acount()})

    async def post(self, request, code):
        return JsonResponse({"detail": "read only"}, status=405)
