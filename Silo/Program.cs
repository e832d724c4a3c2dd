using PaymentNotifications.Silo.Operations;
using PaymentNotifications.Silo.Hosting;

// appsettings.json is read from beside the executable, wherever the process is started from.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
try
{
    builder.AddNotificationSilo();
    var app = builder.Build();
    // Options checked before the host starts, which would log the refusal with a stack trace first.
    app.Services.GetService<Microsoft.Extensions.Options.IStartupValidator>()?.Validate();
    if (MigrationCommand.IsRequested(app.Configuration)) { await MigrationCommand.RunAsync(app); return 0; }
    app.MapNotificationSilo();
    await app.RunAsync();
    return 0;
}
catch (Exception e) when (StartupRefusal.Failures(e) is { Count: > 0 } failures)
{
    // A configuration the silo cannot use: what is wrong, by key, and no stack trace.
    Console.Error.WriteLine("The silo cannot start with this configuration:");
    foreach (var failure in failures)
    {
        Console.Error.WriteLine("  " + failure);
    }
    return 2;
}

/// <summary>The silo executable; public so tests can host it with WebApplicationFactory.</summary>
public partial class Program;
