"""Helpers for the runtime scenarios (see evaluation/README.md)."""


def fresh(factory):
    """Mark a scenario value as a factory: called anew for every unit, after the DB is reset."""
    factory._eval_factory = True
    return factory


def login_session(user):
    """Create a logged-in DB session for user; returns the session key."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    s = SessionStore()
    s[SESSION_KEY] = str(user.pk)
    s[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    s[HASH_SESSION_KEY] = user.get_session_auth_hash()
    s.save()
    return s.session_key


def set_session_data(session_key, **data):
    from django.contrib.sessions.backends.db import SessionStore

    s = SessionStore(session_key=session_key)
    for k, v in data.items():
        s[k] = v
    s.save()
