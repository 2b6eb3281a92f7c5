from decimal import Decimal

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone


class Publisher(models.Model):
    name = models.CharField(max_length=120, unique=True)
    website = models.URLField(blank=True)

    def __str__(self):
        return self.name


class Author(models.Model):
    first_name = models.CharField(max_length=80)
    last_name = models.CharField(max_length=80)
    bio = models.TextField(blank=True)

    class Meta:
        ordering = ["last_name", "first_name"]

    def __str__(self):
        return self.full_name

    @property
    def full_name(self):
        return f"{self.first_name} {self.last_name}".strip()


class Tag(models.Model):
    slug = models.SlugField(unique=True)

    def __str__(self):
        return self.slug


class BookQuerySet(models.QuerySet):
    def published(self):
        return self.filter(published_on__lte=timezone.now().date())

    def by_author(self, author_id):
        return self.filter(author_id=author_id)

    def with_related(self):
        return self.select_related("author", "publisher").prefetch_related("tags")


class Book(models.Model):
    title = models.CharField(max_length=200)
    slug = models.SlugField(unique=True)
    isbn = models.CharField(max_length=13, blank=True)
    author = models.ForeignKey(Author, on_delete=models.PROTECT, related_name="books")
    publisher = models.ForeignKey(Publisher, null=True, blank=True, on_delete=models.SET_NULL)
    tags = models.ManyToManyField(Tag, blank=True, related_name="books")
    price = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("0"))
    stock = models.PositiveIntegerField(default=0)
    published_on = models.DateField(default=timezone.now)

    objects = BookQuerySet.as_manager()

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("catalog:book-detail", kwargs={"slug": self.slug})

    @property
    def in_stock(self):
        return self.stock > 0

    def average_rating(self):
        # used by the old sync templates
        return self.reviews.aggregate(avg=models.Avg("rating"))["avg"]

    async def arating_summary(self):
        agg = await self.reviews.aaggregate(avg=models.Avg("rating"), n=models.Count("id"))
        return {"average": agg["avg"], "count": agg["n"]}


class Review(models.Model):
    book = models.ForeignKey(Book, on_delete=models.CASCADE, related_name="reviews")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    rating = models.PositiveSmallIntegerField()
    body = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
