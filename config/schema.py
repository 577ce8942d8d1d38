"""The OpenAPI schema tells the truth about the whole API (drf-spectacular).

Views describe their own success responses; what holds for every endpoint is said here, once:

- the token scheme ``tokenAuth`` (``Authorization: Token <key>``, config.api.TokenAuthentication);
- ``postprocess_errors`` (a postprocessing hook) documents the error responses each operation
  can give, all in the one JSON error shape ``Error`` (config.api.exception_handler):

  ====  ====================================================  ===================================
  code  when                                                  operations
  ====  ====================================================  ===================================
  400   a malformed parameter or body field                   with query parameters or a body
  401   a refused API token (unknown, expired)                all
  403   not signed in where that is needed; outside scope     signed-in only, and every write
  404   unknown id or code                                    with path parameters
  409   the object's state forbids the step                   every write
  413   a body over the size limit                            with a body
  414   an address too long for the server                    all (answered by the HTTP server)
  503   the database was busy too long; nothing was saved     all
  ====  ====================================================  ===================================

- request bodies are closed (``additionalProperties: false``): the API refuses unknown fields
  with a 400 naming them;
- query parameters allow an empty value (``allowEmptyValue``): ``?county=`` is no filter, as
  an HTML form sends it.
"""

from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension

ERROR_COMPONENT = "Error"
SAFE_METHODS = {"get", "head", "options"}


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = "config.api.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": _(
                'An API token with the prefix "Token": `Authorization: Token <key>` '
                "(manage.py create_api_token prints one; it expires)."
            ),
        }


def _error_schema():
    return {
        "type": "object",
        "properties": {
            "detail": {"type": "string", "description": _("What went wrong, in words.")},
            "errors": {
                "type": "object",
                "additionalProperties": True,
                "description": _("For a 400: each wrong parameter or field with its messages."),
            },
            "code": {"type": "string", "description": _("For a 409 or 503: a machine-readable reason.")},
        },
        "required": ["detail"],
    }


def _descriptions():
    return {
        "400": _("Invalid input: `errors` names each parameter or field."),
        "401": _("The API token was refused (unknown or expired)."),
        "403": _("Not signed in, or outside your scope."),
        "404": _("Unknown id or code, or not visible to you."),
        "409": _("The object's state forbids this step."),
        "413": _("The request body is too large."),
        "414": _("The address is too long."),
        "503": _("The database was busy; nothing was saved. Try again after `Retry-After` seconds."),
    }


def _statuses(method, operation):
    parameters = operation.get("parameters", [])
    has_body = "requestBody" in operation
    public = {} in operation.get("security", [{}])
    statuses = ["401", "414", "503"]
    if has_body or any(p.get("in") == "query" for p in parameters):
        statuses.append("400")
    if method not in SAFE_METHODS or not public:
        statuses.append("403")
    if any(p.get("in") == "path" for p in parameters):
        statuses.append("404")
    if method not in SAFE_METHODS:
        statuses.append("409")
    if has_body:
        statuses.append("413")
    return statuses


def _close(schema, components):
    """``additionalProperties: false`` on a request body's object schema (its component)."""
    ref = schema.get("$ref", "")
    if ref.startswith("#/components/schemas/"):
        schema = components.get(ref.rsplit("/", 1)[1], {})
    if schema.get("type") == "object" or "properties" in schema:
        schema["additionalProperties"] = False


def postprocess_errors(result, generator, request, public):
    """Document every operation's error responses, close its request bodies, allow empty
    query values."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components[ERROR_COMPONENT] = _error_schema()
    error_content = {"application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}}}
    descriptions = _descriptions()
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            responses = operation.setdefault("responses", {})
            for status in _statuses(method, operation):
                responses.setdefault(status, {"description": descriptions[status]})
            for status, response in responses.items():
                # Every error is the API's JSON, but a 414: the HTTP server's own page.
                if status[0] in "45" and status != "414":
                    response.setdefault("content", error_content)
            for media in operation.get("requestBody", {}).get("content", {}).values():
                _close(media.get("schema", {}), components)
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "query":
                    parameter["allowEmptyValue"] = True
    return result
