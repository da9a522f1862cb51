using System.Diagnostics;
using System.Text;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace HealthcareCms.AppHost.Infrastructure;

/// <summary>A PostgreSQL server run from the machine's own binaries, as an unprivileged OS user.</summary>
public sealed class LocalPostgresServerResource(string name, string command, string workingDirectory, ParameterResource password)
    : ExecutableResource(name, command, workingDirectory)
{
    public const string SuperUser = "postgres";

    public ParameterResource Password { get; } = password;

    public EndpointReference Endpoint => new(this, "tcp");
}

/// <summary>A database on a <see cref="LocalPostgresServerResource"/>; the connection string services reference.</summary>
public sealed class LocalPostgresDatabaseResource(string name, string databaseName, LocalPostgresServerResource parent)
    : Resource(name), IResourceWithConnectionString, IResourceWithParent<LocalPostgresServerResource>
{
    public string DatabaseName { get; } = databaseName;

    public LocalPostgresServerResource Parent { get; } = parent;

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"Host={Parent.Endpoint.Property(EndpointProperty.Host)};Port={Parent.Endpoint.Property(EndpointProperty.Port)};Username={LocalPostgresServerResource.SuperUser};Password={Parent.Password};Database={DatabaseName}");
}

public static class LocalPostgresExtensions
{
    /// <summary>
    /// Adds PostgreSQL as an executable resource: <c>initdb</c> into <paramref name="dataDirectory"/> on first
    /// start, the password parameter applied on every start, the databases created when missing, then
    /// <c>postgres</c> itself (exec'd through <c>setpriv</c>, so DCP's signals reach it) on a loopback port.
    /// </summary>
    public static IResourceBuilder<LocalPostgresServerResource> AddLocalPostgres(
        this IDistributedApplicationBuilder builder,
        string name,
        IResourceBuilder<ParameterResource> password,
        HostingSettings settings,
        int port,
        IReadOnlyList<string> databases)
    {
        var dataDirectory = Path.Combine(settings.DataDirectory, "postgres");
        var postgres = Path.Combine(settings.PostgresBinDirectory, "postgres");
        var resource = new LocalPostgresServerResource(name, "setpriv", settings.DataDirectory, password.Resource);

        var healthCheckKey = $"{name}_check";
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            healthCheckKey,
            _ => new LocalPostgresHealthCheck(resource),
            failureStatus: HealthStatus.Unhealthy,
            tags: null));

        var server = builder.AddResource(resource)
            .WithEndpoint(port: port, name: "tcp", scheme: "tcp", env: "PGPORT")
            .WithArgs(
                $"--reuid={settings.PostgresOsUser}", $"--regid={settings.PostgresOsUser}", "--init-groups", postgres,
                "-D", dataDirectory,
                "-c", "listen_addresses=127.0.0.1",
                "-c", "unix_socket_directories=",
                "-c", "max_connections=200",
                "-c", "log_min_messages=warning")
            .WithHealthCheck(healthCheckKey)
            .ExcludeFromManifest();

        builder.Eventing.Subscribe<BeforeResourceStartedEvent>(resource, async (@event, cancellationToken) =>
        {
            var logger = @event.Services.GetRequiredService<ResourceLoggerService>().GetLogger(resource);
            var secret = await password.Resource.GetValueAsync(cancellationToken)
                ?? throw new InvalidOperationException("The PostgreSQL password parameter has no value.");
            await LocalPostgresInitializer.EnsureReadyAsync(settings, dataDirectory, secret, databases, logger, cancellationToken);
        });

        return server;
    }

    public static IResourceBuilder<LocalPostgresDatabaseResource> AddDatabase(
        this IResourceBuilder<LocalPostgresServerResource> server, string name)
    {
        return server.ApplicationBuilder.AddResource(new LocalPostgresDatabaseResource(name, name, server.Resource))
            .WithInitialState(new CustomResourceSnapshot
            {
                ResourceType = "PostgresDatabase",
                State = KnownResourceStates.NotStarted,
                Properties = [new("database", name)],
            })
            .ExcludeFromManifest();
    }
}

internal sealed class LocalPostgresHealthCheck(LocalPostgresServerResource server) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var password = await server.Password.GetValueAsync(cancellationToken);
            var port = await server.Endpoint.Property(EndpointProperty.Port).GetValueAsync(cancellationToken);
            var connectionString = new NpgsqlConnectionStringBuilder
            {
                Host = "127.0.0.1",
                Port = int.Parse(port!, System.Globalization.CultureInfo.InvariantCulture),
                Username = LocalPostgresServerResource.SuperUser,
                Password = password,
                Database = "postgres",
                Timeout = 3,
                Pooling = false,
            }.ConnectionString;

            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand("SELECT 1", connection);
            await command.ExecuteScalarAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy("PostgreSQL is not accepting connections yet.");
        }
    }
}

/// <summary>Prepares the data directory before each start of the local PostgreSQL server.</summary>
internal static class LocalPostgresInitializer
{
    public static async Task EnsureReadyAsync(
        HostingSettings settings,
        string dataDirectory,
        string password,
        IReadOnlyList<string> databases,
        ILogger logger,
        CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(settings.DataDirectory);
        var pidFile = Path.Combine(dataDirectory, "postmaster.pid");
        if (File.Exists(pidFile) && File.ReadLines(pidFile).FirstOrDefault() is { } pidText
            && int.TryParse(pidText, out var pid) && ProcessIsAlive(pid))
        {
            throw new InvalidOperationException(
                $"Another PostgreSQL (pid {pid}) is using {dataDirectory}. Stop it (or the AppHost that started it) first.");
        }

        if (!File.Exists(Path.Combine(dataDirectory, "PG_VERSION")))
        {
            logger.LogInformation("Initialising a new PostgreSQL data directory at {DataDirectory}", dataDirectory);
            Directory.CreateDirectory(dataDirectory);
            await RunAsync("chown", [$"{settings.PostgresOsUser}:", dataDirectory], null, cancellationToken);
            await RunAsync("chmod", ["700", dataDirectory], null, cancellationToken);

            var passwordFile = Path.Combine(settings.DataDirectory, $".pg-initdb-{Guid.NewGuid():N}");
            await File.WriteAllTextAsync(passwordFile, password + "\n", cancellationToken);
            try
            {
                await RunAsync("chown", [$"{settings.PostgresOsUser}:", passwordFile], null, cancellationToken);
                await RunAsPostgresAsync(settings, "initdb",
                    ["-D", dataDirectory, "-U", LocalPostgresServerResource.SuperUser, "--auth=scram-sha-256",
                        $"--pwfile={passwordFile}", "-E", "UTF8", "--locale=C.UTF-8", "--no-instructions"],
                    null, cancellationToken);
            }
            finally
            {
                File.Delete(passwordFile);
            }
        }

        // Single-user mode: applies the (possibly regenerated) password parameter and creates missing
        // databases before the server accepts connections. Errors for existing databases are expected.
        var script = new StringBuilder();
        script.AppendLine($"ALTER USER {LocalPostgresServerResource.SuperUser} WITH PASSWORD '{password.Replace("'", "''")}';");
        foreach (var database in databases)
        {
            script.AppendLine($"CREATE DATABASE \"{database}\";");
        }

        await RunAsPostgresAsync(settings, "postgres",
            ["--single", "-D", dataDirectory, "-c", "log_min_messages=fatal", "postgres"],
            script.ToString(), cancellationToken, checkExitCode: false);
    }

    private static bool ProcessIsAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited && process.ProcessName.StartsWith("postgres", StringComparison.Ordinal);
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static Task RunAsPostgresAsync(
        HostingSettings settings, string binary, string[] args, string? stdin, CancellationToken cancellationToken, bool checkExitCode = true) =>
        RunAsync("setpriv",
            [$"--reuid={settings.PostgresOsUser}", $"--regid={settings.PostgresOsUser}", "--init-groups",
                Path.Combine(settings.PostgresBinDirectory, binary), .. args],
            stdin, cancellationToken, checkExitCode);

    private static async Task RunAsync(string file, string[] args, string? stdin, CancellationToken cancellationToken, bool checkExitCode = true)
    {
        var startInfo = new ProcessStartInfo(file, args)
        {
            RedirectStandardInput = stdin is not null,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = "/",
        };
        using var process = Process.Start(startInfo) ?? throw new InvalidOperationException($"Could not start {file}.");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
        }

        await process.WaitForExitAsync(cancellationToken).WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
        if (checkExitCode && process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{file} {string.Join(' ', args.Where(a => !a.StartsWith("--pwfile", StringComparison.Ordinal)))} exited with {process.ExitCode}: {await stderr}{await stdout}");
        }
    }
}
