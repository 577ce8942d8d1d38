"""``manage.py makemessages`` as Django's, knowing the project's own translation helper:
``delegations.flags.rules.explain.tr(msgid)`` (gettext memoised per language) marks its
literal msgids too, so regenerating the catalog (``make messages``) keeps them."""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=tr"]
