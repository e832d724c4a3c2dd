using PaymentNotifications.Silo.Operations;
using PaymentNotifications.Silo.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddNotificationSilo();

var app = builder.Build();
if (MigrationCommand.IsRequested(app.Configuration)) { await MigrationCommand.RunAsync(app); return; }
app.MapNotificationSilo();

await app.RunAsync();

/// <summary>The silo executable; public so tests can host it with WebApplicationFactory.</summary>
public partial class Program;
