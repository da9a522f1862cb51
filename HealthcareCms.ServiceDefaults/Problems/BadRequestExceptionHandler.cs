using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;

namespace HealthcareCms.ServiceDefaults.Problems;

/// <summary>
/// Bad input is the client's error, never a 500: a request Kestrel or parameter binding rejects
/// (malformed JSON, a non-numeric id, a body over the size limit) becomes an RFC 7807 problem with the
/// status code the framework chose (400, 413, ...). The detail names the failure, never echoes the input.
/// </summary>
internal sealed class BadRequestExceptionHandler(IProblemDetailsService problemDetails) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException badRequest)
        {
            return false;
        }

        context.Response.StatusCode = badRequest.StatusCode;
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails =
            {
                Status = badRequest.StatusCode,
                Title = badRequest.StatusCode == StatusCodes.Status413PayloadTooLarge
                    ? "The request body is too large."
                    : "The request is malformed.",
                Detail = badRequest.StatusCode == StatusCodes.Status413PayloadTooLarge
                    ? null
                    : "A parameter or the body could not be read as the expected type.",
            },
        });
    }
}
