namespace HealthcareCms.Api.Identity;

/// <summary>
/// Headers on every response of the Api (registered as the first middleware, written when the response
/// starts, so error pages carry them too): HSTS one year, nosniff, a deny-all CSP with
/// <c>frame-ancestors 'none'</c>, no referrer; <c>Cache-Control: no-store</c> on identity responses.
/// </summary>
internal sealed class SecurityHeadersMiddleware(RequestDelegate next)
{
    public const string Hsts = "max-age=31536000; includeSubDomains";
    public const string ContentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

    /// <summary>The API reference UI (Development only) runs its own bundled script and styles.</summary>
    public const string ApiReferenceContentSecurityPolicy =
        "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
        "font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

    public static readonly string[] NoStorePrefixes = ["/api/auth", "/api/me", "/api/users"];

    public Task InvokeAsync(HttpContext context)
    {
        context.Response.OnStarting(static state =>
        {
            var http = (HttpContext)state;
            var headers = http.Response.Headers;
            headers.StrictTransportSecurity = Hsts;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "no-referrer";
            headers.ContentSecurityPolicy = http.Request.Path.StartsWithSegments(Documentation.ApiReference.Path)
                ? ApiReferenceContentSecurityPolicy
                : ContentSecurityPolicy;
            if (NoStorePrefixes.Any(prefix => http.Request.Path.StartsWithSegments(prefix)))
            {
                headers.CacheControl = "no-store";
                headers.Pragma = "no-cache";
            }

            return Task.CompletedTask;
        }, context);
        return next(context);
    }
}
