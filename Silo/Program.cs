using PaymentNotifications.Silo.Operations;
using PaymentNotifications.Silo.Hosting;

// appsettings.json is read from beside the executable, wherever the process is started from.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddNotificationSilo();

var app = builder.Build();
if (MigrationCommand.IsRequested(app.Configuration)) { await MigrationCommand.RunAsync(app); return; }
app.MapNotificationSilo();

await app.RunAsync();

/// <summary>The silo executable; public so tests can host it with WebApplicationFactory.</summary>
public partial class Program;
