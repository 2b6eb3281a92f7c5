"""What asynclint knows about Django's sync and async API surface.

Every table here was read from Django's source (5.2 and 6.x), not guessed from
names: ``all``, ``annotate``, ``alias`` and ``aggregate`` start with "a" and are
sync, so nothing in asynclint decides async-ness from a prefix.
"""

from __future__ import annotations

# QuerySet / Manager methods that run SQL when called, with their async twin and
# the Django version that introduced it.
QUERYSET_SQL_METHODS: dict[str, tuple[str, tuple[int, int]]] = {
    "get": ("aget", (4, 1)),
    "first": ("afirst", (4, 1)),
    "last": ("alast", (4, 1)),
    "latest": ("alatest", (4, 1)),
    "earliest": ("aearliest", (4, 1)),
    "count": ("acount", (4, 1)),
    "exists": ("aexists", (4, 1)),
    "contains": ("acontains", (4, 1)),
    "create": ("acreate", (4, 1)),
    "get_or_create": ("aget_or_create", (4, 1)),
    "update_or_create": ("aupdate_or_create", (4, 1)),
    "bulk_create": ("abulk_create", (4, 1)),
    "bulk_update": ("abulk_update", (4, 1)),
    "in_bulk": ("ain_bulk", (4, 1)),
    "aggregate": ("aaggregate", (4, 1)),
    "update": ("aupdate", (4, 1)),
    "delete": ("adelete", (4, 1)),
    "explain": ("aexplain", (4, 1)),
    # UserManager: hashes the password and inserts
    "create_user": ("acreate_user", (5, 2)),
    "create_superuser": ("acreate_superuser", (5, 2)),
}

# Methods that return a new QuerySet without querying.
QUERYSET_LAZY_METHODS = frozenset(
    """filter exclude annotate alias order_by reverse distinct values values_list
    dates datetimes none all union intersection difference select_related
    prefetch_related extra defer only using select_for_update complex_filter
    fetch_mode""".split()
)

# Async methods of QuerySet (and so of every Manager and related manager).
QUERYSET_ASYNC_METHODS = frozenset(twin for twin, _ in QUERYSET_SQL_METHODS.values())

# Model instance methods that hit the database, with their async twin (or None).
INSTANCE_SQL_METHODS: dict[str, tuple[str | None, tuple[int, int] | None]] = {
    "save": ("asave", (4, 2)),
    "delete": ("adelete", (4, 2)),
    "refresh_from_db": ("arefresh_from_db", (4, 2)),
    "full_clean": (None, None),
    "validate_unique": (None, None),
    "validate_constraints": (None, None),
}
INSTANCE_ASYNC_METHODS = frozenset({"asave", "adelete", "arefresh_from_db"})

# Related managers (reverse FK, M2M, generic relations).
RELATED_MANAGER_SQL_METHODS: dict[str, tuple[str, tuple[int, int]]] = {
    "add": ("aadd", (4, 2)),
    "remove": ("aremove", (4, 2)),
    "clear": ("aclear", (4, 2)),
    "set": ("aset", (4, 2)),
}
RELATED_MANAGER_ASYNC_METHODS = frozenset({"aadd", "aremove", "aclear", "aset"})

# request.session (SessionBase) sync access and its async twin, Django 5.1.
SESSION_SYNC_METHODS: dict[str, str] = {
    "get": "aget",
    "pop": "apop",
    "setdefault": "asetdefault",
    "update": "aupdate",
    "has_key": "ahas_key",
    "keys": "akeys",
    "values": "avalues",
    "items": "aitems",
    "flush": "aflush",
    "cycle_key": "acycle_key",
    "set_expiry": "aset_expiry",
    "get_expiry_age": "aget_expiry_age",
    "get_expiry_date": "aget_expiry_date",
    "set_test_cookie": "aset_test_cookie",
    "test_cookie_worked": "atest_cookie_worked",
    "delete_test_cookie": "adelete_test_cookie",
    "save": "asave",
    "clear": "aflush",
}
SESSION_ASYNC_VERSION = (5, 1)

# Every coroutine function Django defines whose name a user calls (from an AST
# scan of ``async def`` in Django 5.2 and 6.1). ``aiterator`` is an async
# generator and is deliberately absent: calling it without await is correct.
DJANGO_COROUTINE_METHODS = frozenset(
    """aadd aaggregate aauthenticate abulk_create abulk_update acheck_password
    aclear aclear_expired aclose aconfigure_user acontains acount acreate
    acreate_superuser acreate_user acycle_key adecr adecr_version adelete
    adelete_many adelete_test_cookie aearliest aexists aexplain afirst aflush
    aforce_login aget aget_all_permissions aget_by_natural_key
    aget_expire_at_browser_close aget_expiry_age aget_expiry_date
    aget_group_permissions aget_list_or_404 aget_many aget_object_or_404
    aget_or_create aget_or_set aget_user aget_user_permissions ahas_key
    ahas_module_perms ahas_perm ahas_perms ain_bulk aincr aincr_version aitems
    akeys alast alatest aload alogin alogout apop aprefetch_related_objects
    aprocess_request arefresh_from_db aremove asave asend asend_robust asession
    aset aset_expiry aset_many aset_test_cookie asetdefault atest_cookie_worked
    atouch aupdate aupdate_or_create aupdate_session_auth_hash auser avalues
    aenqueue aget_result acall arefresh apage aget_page acount anum_pages
    aget_object_list""".split()
)

# Well-known coroutine functions, by fully qualified name.
KNOWN_COROUTINE_FUNCTIONS = frozenset(
    """asyncio.sleep asyncio.wait_for asyncio.wait asyncio.open_connection
    asyncio.start_server asyncio.create_subprocess_exec
    asyncio.create_subprocess_shell asyncio.to_thread asyncio.staggered_race
    asyncio.open_unix_connection asyncio.start_unix_server
    django.shortcuts.aget_object_or_404 django.shortcuts.aget_list_or_404
    django.contrib.auth.aauthenticate django.contrib.auth.alogin
    django.contrib.auth.alogout django.contrib.auth.aget_user
    django.contrib.auth.aupdate_session_auth_hash
    django.contrib.auth.hashers.acheck_password
    django.db.models.aprefetch_related_objects
    django.db.models.query.aprefetch_related_objects""".split()
)

# Calls that hand a callable to a thread: what they receive does not run on the loop.
OFFLOADERS = frozenset(
    """asgiref.sync.sync_to_async asgiref.sync.SyncToAsync
    channels.db.database_sync_to_async channels.db.DatabaseSyncToAsync
    asyncio.to_thread django.utils.asyncio.sync_to_async""".split()
)
OFFLOADER_METHODS = frozenset({"run_in_executor", "submit", "map"})

# Methods that take a coroutine to run or keep it (so making one for them is not "never awaited").
COROUTINE_CONSUMER_METHODS = frozenset(
    """create_task run_until_complete start_soon append extend add put put_nowait
    insert appendleft send throw close""".split()
)

# Builtins that evaluate (iterate, size or test) their argument.
EVALUATING_BUILTINS = {
    "list": "iterating it",
    "tuple": "iterating it",
    "set": "iterating it",
    "frozenset": "iterating it",
    "sorted": "iterating it",
    "dict": "iterating it",
    "enumerate": "iterating it",
    "zip": "iterating it",
    "any": "iterating it",
    "all": "iterating it",
    "max": "iterating it",
    "min": "iterating it",
    "sum": "iterating it",
    "next": "iterating it",
    "reversed": "iterating it",
    "len": "len()",
    "bool": "bool()",
    "repr": "repr()",
    "str": "str()",
    "print": "printing it",
}

DJANGO_MODEL_BASES = frozenset(
    {"django.db.models.Model", "django.db.models.base.Model"}
)
DJANGO_QUERYSET_BASES = frozenset(
    {"django.db.models.QuerySet", "django.db.models.query.QuerySet"}
)
DJANGO_MANAGER_BASES = frozenset(
    {
        "django.db.models.Manager",
        "django.db.models.manager.Manager",
        "django.db.models.manager.BaseManager",
        "django.contrib.auth.models.UserManager",
        "django.contrib.auth.base_user.BaseUserManager",
    }
)
DJANGO_MODELFORM_BASES = frozenset(
    {"django.forms.ModelForm", "django.forms.models.ModelForm"}
)
# Models that ship with Django, so that `User.objects...` is known without the index.
DJANGO_BUILTIN_MODELS = frozenset(
    """django.contrib.auth.models.User django.contrib.auth.models.Group
    django.contrib.auth.models.Permission django.contrib.auth.models.AbstractUser
    django.contrib.contenttypes.models.ContentType
    django.contrib.sessions.models.Session django.contrib.sites.models.Site
    django.contrib.admin.models.LogEntry django.contrib.flatpages.models.FlatPage
    django.contrib.redirects.models.Redirect""".split()
)
RELATION_FIELDS = {
    "ForeignKey": "fk",
    "OneToOneField": "o2o",
    "ManyToManyField": "m2m",
    "ParentalKey": "fk",
    "ParentalManyToManyField": "m2m",
    "GenericForeignKey": "generic",
}


def version_str(version: tuple[int, int] | None) -> str:
    return "" if version is None else f"{version[0]}.{version[1]}"


# Relations of Django's own models that the project index cannot read from source.
DJANGO_BUILTIN_RELATIONS: dict[str, dict[str, tuple[str, str]]] = {
    "django.contrib.auth.models.PermissionsMixin": {
        "groups": ("m2m", "django.contrib.auth.models.Group"),
        "user_permissions": ("m2m", "django.contrib.auth.models.Permission"),
    },
    "django.contrib.auth.models.Group": {
        "permissions": ("m2m", "django.contrib.auth.models.Permission"),
    },
    "django.contrib.auth.models.Permission": {
        "content_type": ("fk", "django.contrib.contenttypes.models.ContentType"),
    },
}
DJANGO_BUILTIN_RELATIONS["django.contrib.auth.models.AbstractUser"] = DJANGO_BUILTIN_RELATIONS["django.contrib.auth.models.PermissionsMixin"]
DJANGO_BUILTIN_RELATIONS["django.contrib.auth.models.User"] = DJANGO_BUILTIN_RELATIONS["django.contrib.auth.models.PermissionsMixin"]
