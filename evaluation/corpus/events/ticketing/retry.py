import asyncio
import functools
import time


def retry(times=2, delay=0.3):
    """Retry an async callable on OSError (used for flaky venue hardware)."""

    def decorate(fn):
        @functools.wraps(fn)
        async def wrapper(*args, **kwargs):
            for attempt in range(times):
                try:
                    return await fn(*args, **kwargs)
                except OSError:
                    if attempt == times - 1:
                        raise
                    time.sleep(delay)  # PITFALL: DJA3 the backoff sleeps on the loop inside an async wrapper
            return None

        return wrapper

    return decorate


def aretry(times=2, delay=0.3):
    def decorate(fn):
        @functools.wraps(fn)
        async def wrapper(*args, **kwargs):
            for attempt in range(times):
                try:
                    return await fn(*args, **kwargs)
                except OSError:
                    if attempt == times - 1:
                        raise
                    await asyncio.sleep(delay)
            return None

        return wrapper

    return decorate
