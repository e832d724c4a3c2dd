using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using PaymentNotifications.Tests.Infrastructure;
using Xunit.Abstractions;

namespace PaymentNotifications.Tests.Silo.Dashboard;

/// <summary>
/// The dashboard in headless Chromium against a silo on a real listener with traffic flowing:
/// Tests/Browser/dashboard.test.mjs drives the page and this test checks the outcome through the API.
/// </summary>
public sealed class DashboardBrowserTests(ITestOutputHelper output)
{
    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromMinutes(3);

    // The second SMS provider of the sandbox: no SMS flows in this test, so forcing it open is harmless.
    private const string ForcedProvider = "vonage";

    [Fact]
    public async Task Dashboard_shows_live_figures_and_replays_a_dead_letter_in_a_real_browser()
    {
        var browser = BrowserTools.Require();
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var silo = await LiveSilo.StartAsync(new Dictionary<string, string?>
        {
            ["Delivery:MaxAttempts"] = "2",
            ["Delivery:RetrySchedule"] = "200ms",
            ["Operations:SampleInterval"] = "00:00:01",
        });
        var (tenantId, tenant) = await silo.NewTenantAsync();
        using var _ = tenant;
        var secret = (await tenant.PutEndpointAsync("m-shop", receiver.Url))["secret"]!.GetValue<string>();
        await tenant.PutEndpointAsync("m-broken", receiver.Url);
        receiver.Secrets = [secret];

        // The broken merchant's receiver fails until the operator has replayed from the page; it answers so before the
        // submit, since the first attempt may come at once.
        var deadLetterId = PaymentNotifications.Grains.Interfaces.Notifications.NotificationId.For(tenantId, "refund-77-failed");
        var fixedReceiver = false;
        receiver.Respond = (id, _) => id == deadLetterId && !Volatile.Read(ref fixedReceiver) ? 500 : 200;
        Assert.Equal(deadLetterId, await NotificationsHttp.IdOf(await tenant.SubmitWebhookAsync("refund-77-failed", "m-broken", type: "refund.failed")));
        Assert.Equal("FAILED", (await tenant.WaitForFinalAsync(deadLetterId, TimeSpan.FromSeconds(20))).State());
        Volatile.Write(ref fixedReceiver, true);

        using var traffic = new CancellationTokenSource();
        var submitted = Task.Run(() => SubmitSteadilyAsync(tenant, traffic.Token));
        ScriptRun run;
        try
        {
            Directory.CreateDirectory(RepositoryPaths.TestResults);
            var screenshot = Path.Combine(RepositoryPaths.TestResults, "dashboard.png");
            File.Delete(screenshot);
            run = await RunScriptAsync(browser, new Dictionary<string, string>
            {
                ["DASHBOARD_URL"] = silo.BaseAddress.ToString(),
                ["ADMIN_KEY"] = SiloApp.AdminKey,
                ["DEAD_LETTER_ID"] = deadLetterId,
                ["SCREENSHOT"] = screenshot,
                ["CHROMIUM_PATH"] = browser.Chromium,
                ["FORCE_PROVIDER"] = ForcedProvider,
            });
            output.WriteLine(run.Output);
            Assert.True(run.ExitCode == 0, $"The browser script failed (exit {run.ExitCode}):\n{run.Output}");
            Assert.Contains("DASHBOARD OK ", run.Output);
            Assert.True(new FileInfo(screenshot).Length > 20_000, "The screenshot is missing or too small to show the dashboard.");
        }
        finally
        {
            await traffic.CancelAsync();
            await submitted;
        }

        // The replay made from the page is real: the notification was delivered on a fresh attempt.
        var replayed = await tenant.WaitForFinalAsync(deadLetterId, TimeSpan.FromSeconds(20));
        Assert.Equal("SUCCESS", replayed.State());
        Assert.Equal(3, replayed.Attempts().Count);
        Assert.Equal(3, receiver.CountFor(deadLetterId));
        var figures = JsonNode.Parse(run.Output[(run.Output.IndexOf("DASHBOARD OK ", StringComparison.Ordinal) + 13)..].Split('\n')[0])!;
        Assert.True(figures["acceptedPerSecond"]!.GetValue<double>() > 0);
        Assert.True(figures["deliveredPerSecond"]!.GetValue<double>() > 0);
        Assert.Equal(1, figures["silos"]!.GetValue<int>());

        // The breaker was forced open from the page: the providers route says so.
        using var admin = silo.Admin();
        var providers = await (await admin.GetAsync("/v1/admin/providers")).ReadJsonAsync();
        var forced = providers["providers"]!.AsArray().Single(p => p!["name"]!.GetValue<string>() == ForcedProvider)!;
        Assert.Equal("forced-open", forced["mode"]!.GetValue<string>());
        Assert.Equal(ForcedProvider, figures["forcedOpen"]!.GetValue<string>());
    }

    // About 20 webhook notifications a second until cancelled, so the page sees live traffic.
    private static async Task SubmitSteadilyAsync(HttpClient tenant, CancellationToken cancellationToken)
    {
        var n = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var response = await tenant.SubmitWebhookAsync($"charge-{n++}-paid", "m-shop");
                Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
                await Task.Delay(50, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private sealed record ScriptRun(int ExitCode, string Output);

    private static async Task<ScriptRun> RunScriptAsync(BrowserTools browser, IDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo(browser.Node, [Path.Combine(browser.ScriptFolder, "dashboard.test.mjs")])
        {
            WorkingDirectory = browser.ScriptFolder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(ScriptTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            return new ScriptRun(-1, $"Timed out after {ScriptTimeout}.\n{await stdout}\n{await stderr}");
        }
        return new ScriptRun(process.ExitCode, (await stdout) + (await stderr));
    }
}

/// <summary>Node.js, the script's node_modules and Chromium: present, or the test fails saying how to get them.</summary>
public sealed record BrowserTools(string Node, string Chromium, string ScriptFolder)
{
    public static BrowserTools Require()
    {
        var folder = Path.Combine(RepositoryPaths.Root, "Tests", "Browser");
        var chromium = Environment.GetEnvironmentVariable("CHROMIUM_PATH") is { Length: > 0 } configured ? configured : FindOnPath("chromium") ?? "/usr/bin/chromium";
        var node = FindOnPath("node");
        var problems = new List<string>();
        if (!File.Exists(chromium))
        {
            problems.Add($"Chromium is not installed at {chromium}: run `apt-get install -y chromium` (or set CHROMIUM_PATH).");
        }
        if (node is null)
        {
            problems.Add("Node.js is not on PATH: run `apt-get install -y nodejs npm`.");
        }
        if (!File.Exists(Path.Combine(folder, "node_modules", "playwright-core", "package.json")))
        {
            problems.Add($"{folder}/node_modules is missing playwright-core: run `npm ci --prefix Tests/Browser`.");
        }
        Assert.True(problems.Count == 0, "The dashboard's browser test cannot run: " + string.Join(" ", problems));
        return new BrowserTools(node!, chromium, folder);
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);
}
