using System.Globalization;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Aspire.Hosting.Testing;
using HealthcareCms.Tests.Infrastructure;
using Npgsql;

namespace HealthcareCms.Tests.Identity;

/// <summary>Reads what the running Api exposes: its Prometheus counters and (for set-up only) its database.</summary>
internal static partial class IdentityProbe
{
    public const string LoginAttempts = "healthcare_cms_auth_login_attempts_total";
    public const string TokenRefreshes = "healthcare_cms_auth_token_refreshes_total";
    public const string Logouts = "healthcare_cms_auth_logouts_total";

    public static async Task<string> ScrapeAsync(AppHostFixture fixture)
    {
        // The exporter caches a scrape briefly: wait for one taken after what the test just did.
        await Task.Delay(TimeSpan.FromSeconds(1.2));
        using var management = fixture.CreateClient("api", "management");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.Accept.Add(MediaTypeWithQualityHeaderValue.Parse("text/plain; version=0.0.4"));
        using var response = await management.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>The counter's value for one <c>result</c> (or the untagged series), 0 when not yet exported.</summary>
    public static double Counter(string exposition, string name, string? result = null)
    {
        foreach (var line in exposition.Split('\n'))
        {
            var match = SeriesLine().Match(line);
            if (!match.Success || match.Groups["name"].Value != name)
            {
                continue;
            }

            var labels = match.Groups["labels"].Value;
            if (result is null || labels.Contains($"result=\"{result}\"", StringComparison.Ordinal))
            {
                return double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }

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

    [GeneratedRegex("^(?<name>[a-z_:][a-z0-9_:]*)(\\{(?<labels>[^}]*)\\})? (?<value>[0-9.eE+-]+)")]
    private static partial Regex SeriesLine();
}
