using Notifications.Orleans.Silo.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddNotificationSilo();

var app = builder.Build();
app.MapNotificationSilo();

await app.RunAsync();

/// <summary>The silo executable; public so tests can host it with WebApplicationFactory.</summary>
public partial class Program;
