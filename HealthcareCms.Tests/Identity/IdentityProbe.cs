using System.Globalization;
using Aspire.Hosting.Testing;
using HealthcareCms.Tests.Infrastructure;
using Npgsql;

namespace HealthcareCms.Tests.Identity;

/// <summary>Reads what the running Api exposes: its Prometheus counters and (for set-up only) its database.</summary>
internal static class IdentityProbe
{
    public const string LoginAttempts = "healthcare_cms_auth_login_attempts_total";
    public const string TokenRefreshes = "healthcare_cms_auth_token_refreshes_total";
    public const string Logouts = "healthcare_cms_auth_logouts_total";

    public static Task<string> ScrapeAsync(AppHostFixture fixture) => MetricsScrape.ScrapeAsync(fixture, "api", fresh: true);

    /// <summary>The counter's value for one <c>result</c> (or all its series), 0 when not yet exported.</summary>
    public static double Counter(string exposition, string name, string? result = null) =>
        result is null ? MetricsScrape.Sample(exposition, name) : MetricsScrape.Sample(exposition, name, ("result", result));

    /// <summary>Counter deltas of one action: scrape, act, scrape.</summary>
    public static async Task<Func<string, string?, double>> DeltaAsync(AppHostFixture fixture, Func<Task> action)
    {
        var before = await ScrapeAsync(fixture);
        await action();
        var after = await ScrapeAsync(fixture);
        return (name, result) => Counter(after, name, result) - Counter(before, name, result);
    }

    public static Task ExecuteSqlAsync(AppHostFixture fixture, string sql, params (string Name, object Value)[] parameters) =>
        WithCommandAsync(fixture, sql, parameters, command => command.ExecuteNonQueryAsync());

    public static Task<long> CountAsync(AppHostFixture fixture, string sql, params (string Name, object Value)[] parameters) =>
        WithCommandAsync(fixture, sql, parameters,
            async command => Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture));

    private static async Task<T> WithCommandAsync<T>(
        AppHostFixture fixture, string sql, (string Name, object Value)[] parameters, Func<NpgsqlCommand, Task<T>> run)
    {
        await using var connection = new NpgsqlConnection(await fixture.App.GetConnectionStringAsync("cmsdb"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return await run(command);
    }

}
