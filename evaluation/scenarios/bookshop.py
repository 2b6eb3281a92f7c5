"""How the runtime check runs the bookshop project."""
from _support import fresh, login_session, set_session_data

SETTINGS = "bookshop.settings"
ENV = {
    "ISBN_API_URL": "{http}/isbn-api",
    "WAREHOUSE_API_URL": "{http}/warehouse",
    "EMAIL_HOST": "{smtp_host}",
    "EMAIL_PORT": "{smtp_port}",
}



def seed():
    from datetime import date
    from decimal import Decimal

    from django.contrib.auth.models import User

    from catalog.models import Author, Book, Publisher, Review, Tag
    from orders.models import Order, OrderLine

    staff = User.objects.create_user("staff", "staff@example.com", "x", is_staff=True)
    alice = User.objects.create_user("alice", "alice@example.com", "x")
    pub = Publisher.objects.create(name="Tor")
    le_guin = Author.objects.create(first_name="Ursula", last_name="Le Guin")
    banks = Author.objects.create(first_name="Iain", last_name="Banks")
    t1, t2 = Tag.objects.create(slug="scifi"), Tag.objects.create(slug="classic")
    b1 = Book.objects.create(title="The Dispossessed", slug="dispossessed", isbn="9780061054884",
                             author=le_guin, publisher=pub, price=Decimal("12.50"), stock=4,
                             published_on=date(1974, 5, 1))
    b1.tags.set([t1, t2])
    b2 = Book.objects.create(title="Excession", slug="excession", isbn="9780553575378", author=banks,
                             price=Decimal("9.99"), stock=1, published_on=date(1996, 1, 1))
    Review.objects.create(book=b1, user=alice, rating=5, body="Great")
    Review.objects.create(book=b2, user=staff, rating=2, body="Meh")
    order = Order.objects.create(customer=alice, total=Decimal("22.49"))
    OrderLine.objects.create(order=order, book=b1, quantity=1, unit_price=b1.price)
    OrderLine.objects.create(order=order, book=b2, quantity=1, unit_price=b2.price)
    Order.objects.create(customer=alice)  # an empty open order for close_stale_orders
    key = login_session(alice)
    set_session_data(key, cart={str(b1.pk): 2})
    return {
        "session_key": key,
        "slug": b1.slug,
        "pk": b1.pk,
        "book_id": b1.pk,
        "isbn": b1.isbn,
        "author_id": le_guin.pk,
        "quantity": 2,
        "limit": 3,
        "order_id": order.pk,
        "user": fresh(lambda: User.objects.get(username="alice")),
        "cart": {str(b1.pk): 1},
        "book": fresh(lambda: Book.objects.select_related("author").get(pk=b1.pk)),
        "order": fresh(lambda: Order.objects.get(pk=order.pk)),
        "email": "alice@example.com",
        "sender": Review,
        "instance": fresh(lambda: Review.objects.first()),
        "created": True,
    }


CALLS = {
    "catalog.views.author_page": {"kwargs": {"pk": 1}},
    "catalog.reports.author_overview": {"kwargs": {"pk": 1}},
    "catalog.views.add_review": {"method": "POST", "data": {"rating": "4", "body": "again"}},
    "catalog.views.staff_dashboard": {"kwargs": {}},
    "catalog.api.publisher_books": {"kwargs": {"pk": 1}},
    "orders.views.add_to_cart": {"method": "POST", "data": {"qty": "1"}},
    "orders.views.checkout": {"method": "POST"},
    "orders.views.order_status": {"kwargs": {"pk": 1}},
    "orders.views.reorder": {"kwargs": {"pk": 1}},
    "orders.views.invoice_pdf_legacy": {"kwargs": {"pk": 1}},
}
SKIP = {}
