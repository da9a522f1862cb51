using System.Buffers;
using System.Diagnostics;
using Microsoft.AspNetCore.Http;

namespace HealthcareCms.ServiceDefaults.Correlation;

/// <summary>The request-correlation contract shared by every service.</summary>
public static class RequestCorrelation
{
    public const string RequestIdHeader = "x-request-id";
    public const string HealthcareTraceHeader = "x-healthcare-trace-id";

    /// <summary>Span attribute names (ids only; never personal data).</summary>
    public const string RequestIdTag = "healthcare.request_id";
    public const string HealthcareTraceTag = "healthcare.trace_id";

    public const int MaxLength = 200;

    private static readonly SearchValues<char> Allowed =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-");

    private static readonly AsyncLocal<CorrelationIds?> CurrentIds = new();

    /// <summary>The ids of the request being served on this async flow, if any.</summary>
    public static CorrelationIds? Current
    {
        get => CurrentIds.Value;
        internal set => CurrentIds.Value = value;
    }

    /// <summary>Separators a number may be written with inside an id (<c>123.456.789-09</c>).</summary>
    private static readonly SearchValues<char> Separators = SearchValues.Create("._-");

    /// <summary>Fewest digits in a row that could be a document or phone number (CPF 11, CNS 15, phone 10+).</summary>
    private const int PersonalNumberDigits = 8;

    private static readonly SearchValues<char> HexIdChars = SearchValues.Create("0123456789abcdefABCDEF-");

    /// <summary>
    /// 1–200 characters of <c>[A-Za-z0-9._-]</c> that look like an opaque id, because ids go into spans and
    /// responses. Either a machine id (a UUID or 16–64 hex digits, with at least one letter), or an id with at
    /// least one digit (letters only could be a name such as <c>maria.silva</c>) and no number of 8 or more
    /// digits, with or without <c>.</c>/<c>-</c>/<c>_</c> between them (a CPF, CNS or phone number, even
    /// inside <c>cpf-123.456.789-09</c>). Emails and <c>+55 …</c> numbers are excluded by the character set.
    /// Anything else is replaced by a generated id. (A CPF disguised as a hex id cannot be told apart.)
    /// </summary>
    public static bool IsValid(string? value) =>
        !string.IsNullOrEmpty(value) && value.Length <= MaxLength && !value.AsSpan().ContainsAnyExcept(Allowed)
        && (IsHexId(value) || (value.AsSpan().ContainsAnyInRange('0', '9') && !ContainsPersonalNumber(value)));

    private static bool IsHexId(string value) =>
        value.Length is >= 16 and <= 64 && !value.AsSpan().ContainsAnyExcept(HexIdChars)
        && (value.AsSpan().ContainsAnyInRange('a', 'f') || value.AsSpan().ContainsAnyInRange('A', 'F'));

    private static bool ContainsPersonalNumber(string value)
    {
        var digits = 0;
        foreach (var c in value)
        {
            if (char.IsAsciiDigit(c))
            {
                if (++digits >= PersonalNumberDigits)
                {
                    return true;
                }
            }
            else if (!Separators.Contains(c))
            {
                digits = 0;
            }
        }

        return false;
    }

    public static string NewRequestId() => Guid.NewGuid().ToString("N");
}

public sealed record CorrelationIds(string RequestId, string? HealthcareTraceId);

/// <summary>
/// Gives every response an <c>x-request-id</c> (the caller's when valid, a new one otherwise), accepts an
/// <c>x-healthcare-trace-id</c>, records both on the request span and makes them flow to downstream calls.
/// </summary>
internal sealed class RequestCorrelationMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var incoming = context.Request.Headers[RequestCorrelation.RequestIdHeader].ToString();
        var requestId = RequestCorrelation.IsValid(incoming) ? incoming : RequestCorrelation.NewRequestId();

        var incomingTrace = context.Request.Headers[RequestCorrelation.HealthcareTraceHeader].ToString();
        var healthcareTraceId = RequestCorrelation.IsValid(incomingTrace) ? incomingTrace : null;

        context.TraceIdentifier = requestId;
        context.Response.Headers[RequestCorrelation.RequestIdHeader] = requestId;
        if (healthcareTraceId is not null)
        {
            context.Response.Headers[RequestCorrelation.HealthcareTraceHeader] = healthcareTraceId;
        }

        var activity = Activity.Current;
        activity?.SetTag(RequestCorrelation.RequestIdTag, requestId);
        if (healthcareTraceId is not null)
        {
            activity?.SetTag(RequestCorrelation.HealthcareTraceTag, healthcareTraceId);
        }

        var previous = RequestCorrelation.Current;
        RequestCorrelation.Current = new CorrelationIds(requestId, healthcareTraceId);
        try
        {
            await next(context);
        }
        finally
        {
            RequestCorrelation.Current = previous;
        }
    }
}

/// <summary>Adds the current request's correlation headers to every outgoing HttpClient call.</summary>
internal sealed class CorrelationPropagationHandler : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (RequestCorrelation.Current is { } ids)
        {
            request.Headers.Remove(RequestCorrelation.RequestIdHeader);
            request.Headers.TryAddWithoutValidation(RequestCorrelation.RequestIdHeader, ids.RequestId);
            if (ids.HealthcareTraceId is not null)
            {
                request.Headers.Remove(RequestCorrelation.HealthcareTraceHeader);
                request.Headers.TryAddWithoutValidation(RequestCorrelation.HealthcareTraceHeader, ids.HealthcareTraceId);
            }
        }

        return base.SendAsync(request, cancellationToken);
    }
}
