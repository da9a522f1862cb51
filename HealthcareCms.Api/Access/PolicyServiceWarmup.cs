namespace HealthcareCms.Api.Access;

/// <summary>
/// Opens the connection to the policy service at start (a status call through the decider's own HttpClient and
/// resilience pipeline), so the first protected request does not pay for connection set-up and JIT against
/// the 200 ms decision budget. A failure here is only logged: requests fail closed on their own.
/// </summary>
public sealed partial class PolicyServiceWarmup(IHttpClientFactory clients, ILogger<PolicyServiceWarmup> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        for (var attempt = 1; attempt <= 3 && !stoppingToken.IsCancellationRequested; attempt++)
        {
            try
            {
                using var response = await clients.CreateClient(nameof(IAccessDecider)).GetAsync("/v1/status", stoppingToken);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TimeoutException or Polly.ExecutionRejectedException
                or OperationCanceledException && !stoppingToken.IsCancellationRequested)
            {
                LogWarmupFailed(attempt, ex.GetType().Name);
            }

            await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
        }
    }

    [LoggerMessage(EventId = 4002, Level = LogLevel.Information, Message = "Policy service warm-up attempt {Attempt} failed ({Error})")]
    private partial void LogWarmupFailed(int attempt, string error);
}
