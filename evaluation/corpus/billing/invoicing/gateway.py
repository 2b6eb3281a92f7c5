"""Thin client for the payment gateway's REST API."""
import httpx
import requests
from django.conf import settings

session = requests.Session()
session.headers["Authorization"] = f"Bearer {settings.PAYMENT_GATEWAY_KEY}"


def charge(customer_gateway_id, amount_cents, idempotency_key):
    resp = session.post(
        f"{settings.PAYMENT_GATEWAY_URL}/charges",
        json={"customer": customer_gateway_id, "amount": amount_cents},
        headers={"Idempotency-Key": idempotency_key},
        timeout=15,
    )
    resp.raise_for_status()
    return resp.json()


class AsyncGateway:
    def __init__(self, base_url=None, api_key=None):
        self.base_url = base_url or settings.PAYMENT_GATEWAY_URL
        self.api_key = api_key or settings.PAYMENT_GATEWAY_KEY

    async def charge(self, customer_gateway_id, amount_cents, idempotency_key):
        async with httpx.AsyncClient(base_url=self.base_url, timeout=15) as client:
            resp = await client.post(
                "/charges",
                json={"customer": customer_gateway_id, "amount": amount_cents},
                headers={"Authorization": f"Bearer {self.api_key}", "Idempotency-Key": idempotency_key},
            )
        resp.raise_for_status()
        return resp.json()

    async def refund(self, charge_id):
        async with httpx.AsyncClient(base_url=self.base_url, timeout=15) as client:
            resp = await client.post(f"/charges/{charge_id}/refund")
        return resp.json()


def fx_rate(currency):
    data = httpx.get(settings.FX_RATES_URL, params={"base": "EUR"}, timeout=5).json()
    return data.get("rate", 1.0)
