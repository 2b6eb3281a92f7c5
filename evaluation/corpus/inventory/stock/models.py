from django.db import models
from django.db.models import Sum

from suppliers.models import Supplier


class Warehouse(models.Model):
    code = models.CharField(max_length=10, unique=True)
    city = models.CharField(max_length=80)

    def __str__(self):
        return self.code


class Product(models.Model):
    sku = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=200)
    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="products")
    unit_cost = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    reorder_point = models.PositiveIntegerField(default=10)
    discontinued = models.BooleanField(default=False)

    def __str__(self):
        return self.sku


class StockLevelQuerySet(models.QuerySet):
    def in_warehouse(self, code):
        return self.filter(warehouse__code=code)

    def below_reorder(self):
        return self.filter(quantity__lt=models.F("product__reorder_point"))

    def total(self):
        return self.aggregate(t=Sum("quantity"))["t"] or 0


class StockLevel(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="levels")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.CASCADE, related_name="levels")
    quantity = models.IntegerField(default=0)

    objects = StockLevelQuerySet.as_manager()

    class Meta:
        unique_together = [("product", "warehouse")]


class StockMovement(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="movements")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.CASCADE)
    delta = models.IntegerField()
    reason = models.CharField(max_length=40)
    created = models.DateTimeField(auto_now_add=True)
