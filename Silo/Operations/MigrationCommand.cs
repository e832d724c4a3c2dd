using PaymentNotifications.Grains.Storage;

namespace PaymentNotifications.Silo.Operations;

/// <summary>
/// Silo:MigrateOnly=true (env Silo__MigrateOnly): apply the schema migrations and exit without joining
/// the cluster, for a deployment's migration Job. The silo still migrates at start as well.
/// </summary>
public static class MigrationCommand
{
    public const string ConfigurationKey = "Silo:MigrateOnly";

    public static bool IsRequested(IConfiguration configuration) => configuration.GetValue<bool>(ConfigurationKey);

    /// <summary>Migrates and sets the process exit code (0 when the schema is current).</summary>
    public static async Task RunAsync(WebApplication app)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(MigrationCommand).FullName!);
        var migrator = app.Services.GetService<SchemaMigrator>();
        if (migrator is null)
        {
            logger.LogInformation("No ConnectionStrings:Postgres: dev mode keeps everything in memory, nothing to migrate");
            return;
        }
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        try
        {
            var applied = await migrator.MigrateAsync(timeout.Token);
            logger.LogInformation("Schema ready ({Applied} migrations applied)", applied.Count);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Schema migration failed");
            Environment.ExitCode = 1;
        }
    }
}
