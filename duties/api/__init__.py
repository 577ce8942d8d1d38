"""REST API v1 of the duty catalog and of a township's lists (``views``, ``serializers``,
``filters``). Which entries a township's lists hold on a day is ``duties.services``."""
