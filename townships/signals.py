"""Signal handlers of the townships app: role groups after migrate, group membership on save,
the one-time password flag when a password is set (``first_login.password_saved``)."""

from django.apps import apps as global_apps
from django.db import DEFAULT_DB_ALIAS
from django.db.models.signals import post_save

from townships import access, first_login
from townships.models import Profile


def create_role_groups(sender, app_config=None, verbosity=1, using=DEFAULT_DB_ALIAS, **kwargs):
    """post_migrate: make sure the three role groups exist with their permissions.

    post_migrate is sent app by app, so the permissions of the later apps may not exist yet
    when this runs; create them first (Django's own handler does the same, idempotently).
    """
    from django.contrib.auth.management import create_permissions

    if using != DEFAULT_DB_ALIAS:
        return
    for label in ("auth", *access.OFFICE_APPS):
        create_permissions(
            global_apps.get_app_config(label), verbosity=0, using=using, apps=global_apps
        )
    access.ensure_groups()


def profile_saved(sender, instance, raw=False, **kwargs):
    """Keep the user's role group in step with its profile."""
    if raw:
        return
    access.sync_user_group(instance.user)


def connect():
    from django.contrib.auth import get_user_model

    post_save.connect(profile_saved, sender=Profile, dispatch_uid="townships.profile_saved")
    post_save.connect(
        first_login.password_saved,
        sender=get_user_model(),
        dispatch_uid="townships.password_saved",
    )
