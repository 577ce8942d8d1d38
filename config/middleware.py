"""Project middleware: the Content-Security-Policy of each response (django-csp)."""

from csp.middleware import CSPMiddleware

# Third-party pages whose templates carry style attributes or <style> blocks the project
# cannot mark with a nonce: the admin (django-import-export, django-simple-history), the
# browsable API and Swagger UI. Scripts stay the app's own files there too, but for one inline
# handler of django-import-export's export form ("select all"), allowed by its hash only.
INLINE_STYLE_PREFIXES = ("/admin/", "/api/")
ADMIN_PREFIX = "/admin/"
IMPORT_EXPORT_HANDLER_HASH = "'sha256-wid4zL8fR53ZYy1ljOepzR77Dn6vWUUxuNnnWWBP3I8='"  # onSelectToggleChange(event)


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """``CONTENT_SECURITY_POLICY`` everywhere, plus inline styles on the third-party pages."""

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only=report_only)
        path = request.path_info
        if path.startswith(INLINE_STYLE_PREFIXES) and parts.replace is None:
            parts.replace = {"style-src": ["'self'", "'unsafe-inline'"]}
            if path.startswith(ADMIN_PREFIX):
                parts.replace["script-src"] = ["'self'", "'unsafe-hashes'", IMPORT_EXPORT_HANDLER_HASH]
        return parts
