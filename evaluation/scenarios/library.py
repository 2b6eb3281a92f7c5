"""How the runtime check runs the library project."""
from _support import login_session

SETTINGS = "library_site.settings"
ENV = {"ISBN_SERVICE": "{http}/isbn"}


def seed():
    from datetime import timedelta

    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import User
    from django.utils import timezone

    from lending.models import Copy, Hold, Loan, Title

    mia = User.objects.create(username="mia", password=make_password("pw"))
    lee = User.objects.create(username="lee")
    t1 = Title.objects.create(isbn="9780140449136", name="The Odyssey", author="Homer")
    t2 = Title.objects.create(isbn="9780141439518", name="Pride and Prejudice", author="Austen")
    c1 = Copy.objects.create(title=t1, barcode="B0001", branch="Central")
    Copy.objects.create(title=t1, barcode="B0002", branch="East")
    Copy.objects.create(title=t2, barcode="B0003", branch="Central")
    Loan.objects.create(copy=c1, member=mia, due=timezone.localdate() - timedelta(days=3))
    Hold.objects.create(title=t1, member=lee)
    return {
        "session_key": login_session(mia),
        "barcode": "B0001",
        "isbn": t1.isbn,
        "username": "lee",
    }


CALLS = {
    "lending.views.checkout": {"method": "POST", "kwargs": {"barcode": "B0003"}},
    "lending.views.register": {"method": "POST", "body": {"username": "neo", "password": "pw-12345"}},
    "lending.views.register_v2": {"method": "POST", "body": {"username": "neo"}},
    "lending.views.verify_member_password": {"data": {"pw": "pw"}},
}
SKIP = {}
