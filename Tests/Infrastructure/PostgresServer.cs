using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace PaymentNotifications.Tests.Infrastructure;

/// <summary>
/// A throwaway PostgreSQL server for the test run, started from the installed server binaries
/// (initdb into a temporary folder, a free port on 127.0.0.1) and removed when the run ends.
/// Set TEST_POSTGRES to a connection string to use an existing server instead.
/// </summary>
public sealed class PostgresServer
{
    private static readonly Lazy<Task<PostgresServer>> Shared = new(StartAsync);
    private static int _databaseCounter;

    private readonly string _adminConnectionString;

    private PostgresServer(string adminConnectionString) => _adminConnectionString = adminConnectionString;

    public static Task<PostgresServer> GetAsync() => Shared.Value;

    /// <summary>Creates an empty database and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string? prefix = null)
    {
        var name = $"{prefix ?? "t"}_{Environment.ProcessId}_{Interlocked.Increment(ref _databaseCounter)}";
        await using (var connection = new NpgsqlConnection(_adminConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync();
        }
        return new NpgsqlConnectionStringBuilder(_adminConnectionString) { Database = name, Pooling = true, MaxPoolSize = 30 }.ConnectionString;
    }

    /// <summary>Folder holding pg_ctl, initdb and postgres, or null when PostgreSQL is not installed.</summary>
    public static string? FindBinaries()
    {
        try
        {
            var bindir = Run("pg_config", "--bindir", asPostgresUser: false).Trim();
            if (File.Exists(Path.Combine(bindir, "initdb")))
            {
                return bindir;
            }
        }
        catch (Exception)
        {
            // pg_config missing: look in Debian's versioned folders below.
        }
        return Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Select(d => Path.Combine(d, "bin"))
                .Where(d => File.Exists(Path.Combine(d, "initdb")))
                .OrderByDescending(d => d, StringComparer.Ordinal)
                .FirstOrDefault()
            : null;
    }

    private static async Task<PostgresServer> StartAsync()
    {
        if (Environment.GetEnvironmentVariable("TEST_POSTGRES") is { Length: > 0 } existing)
        {
            return new PostgresServer(existing);
        }
        var bin = FindBinaries() ?? throw new InvalidOperationException(
            "PostgreSQL server binaries were not found (no initdb). Install them with: apt-get install -y postgresql");
        var root = Path.Combine(Path.GetTempPath(), $"notifications-pg-{Guid.NewGuid():N}");
        var data = Path.Combine(root, "data");
        Directory.CreateDirectory(root);
        var asPostgres = Environment.UserName == "root";
        if (asPostgres)
        {
            // initdb refuses to run as root: the server runs as the postgres system user.
            Run("chown", $"postgres \"{root}\"", asPostgresUser: false);
        }
        Run(Path.Combine(bin, "initdb"), $"-D \"{data}\" -U postgres --auth=trust -E UTF8 --no-sync", asPostgres);
        var port = FreePort();
        var options = $"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c max_connections=600 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=256MB";
        Run(Path.Combine(bin, "pg_ctl"), $"start -w -D \"{data}\" -l \"{Path.Combine(root, "server.log")}\" -o \"{options}\"", asPostgres);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Run(Path.Combine(bin, "pg_ctl"), $"stop -D \"{data}\" -m immediate", asPostgres);
                Directory.Delete(root, recursive: true);
            }
            catch (Exception)
            {
                // Best effort: the folder is in the temp directory.
            }
        };
        var server = new PostgresServer($"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres;Pooling=false");
        await using var connection = new NpgsqlConnection(server._adminConnectionString);
        await connection.OpenAsync();
        return server;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string Run(string file, string arguments, bool asPostgresUser)
    {
        var start = asPostgresUser
            ? new ProcessStartInfo("runuser", $"-u postgres -- {file} {arguments}")
            : new ProcessStartInfo(file, arguments);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {arguments} failed ({process.ExitCode}): {error.Result}{output.Result}");
        }
        return output.Result;
    }
}
