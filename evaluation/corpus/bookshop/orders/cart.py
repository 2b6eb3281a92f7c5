CART_SESSION_KEY = "cart"


class Cart:
    """Session-backed shopping cart: {book_id: quantity}."""

    def __init__(self, session):
        self.session = session

    def items(self):
        return self.session.get(CART_SESSION_KEY, {})

    async def aitems(self):
        return await self.session.aget(CART_SESSION_KEY, {})

    async def aadd(self, book_id, quantity=1):
        items = await self.aitems()
        key = str(book_id)
        items[key] = items.get(key, 0) + quantity
        await self.session.aset(CART_SESSION_KEY, items)

    async def aclear(self):
        await self.session.apop(CART_SESSION_KEY, None)
