using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using PaymentNotifications.Tests.Infrastructure;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace PaymentNotifications.Tests.Silo.Dashboard;

/// <summary>
/// The dashboard in headless Chromium (Debian's binary, driven by Playwright) against a silo on a real listener with
/// traffic flowing: the page is used as an operator would, and the outcome is then checked through the API.
/// </summary>
public sealed class DashboardBrowserTests(ITestOutputHelper output)
{
    // Every wait on the page gives up after this long, so a missing element fails the test instead of hanging it.
    private const float PageTimeoutMs = 30_000;

    // The second SMS provider of the sandbox: no SMS flows in this test, so forcing it open is harmless.
    private const string ForcedProvider = "vonage";

    [Fact]
    public async Task Dashboard_shows_live_figures_and_replays_a_dead_letter_in_a_real_browser()
    {
        var chromium = RequireChromium();
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
        JsonElement figures;
        try
        {
            Directory.CreateDirectory(RepositoryPaths.TestResults);
            var screenshot = Path.Combine(RepositoryPaths.TestResults, "dashboard.png");
            File.Delete(screenshot);

            using var playwright = await Playwright.CreateAsync();
            await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = chromium,
                Headless = true,
                // No sandbox for root on CI; no calls from the browser to anything but the silo.
                Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
            });
            await using var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1440, Height = 1000 } });
            var page = await context.NewPageAsync();
            page.SetDefaultTimeout(PageTimeoutMs);
            SetDefaultExpectTimeout(PageTimeoutMs);
            var pageErrors = new List<string>();
            page.PageError += (_, error) => pageErrors.Add(error);

            figures = await OperateDashboardAsync(page, silo.BaseAddress.ToString().TrimEnd('/'), deadLetterId, screenshot);
            Assert.True(pageErrors.Count == 0, $"The page threw: {string.Join("; ", pageErrors)}");
            Assert.True(new FileInfo(screenshot).Length > 20_000, "The screenshot is missing or too small to show the dashboard.");
        }
        finally
        {
            await traffic.CancelAsync();
            await submitted;
        }
        output.WriteLine("Figures on the page: " + figures.GetRawText());

        // The replay made from the page is real: the notification was delivered on a fresh attempt.
        var replayed = await tenant.WaitForFinalAsync(deadLetterId, TimeSpan.FromSeconds(20));
        Assert.Equal("SUCCESS", replayed.State());
        Assert.Equal(3, replayed.Attempts().Count);
        Assert.Equal(3, receiver.CountFor(deadLetterId));
        Assert.True(figures.GetProperty("acceptedPerSecond").GetDouble() > 0);
        Assert.True(figures.GetProperty("deliveredPerSecond").GetDouble() > 0);
        Assert.Equal(1, figures.GetProperty("silos").GetInt32());

        // The breaker was forced open from the page: the providers route says so.
        using var admin = silo.Admin();
        var providers = await (await admin.GetAsync("/v1/admin/providers")).ReadJsonAsync();
        var forced = providers["providers"]!.AsArray().Single(p => p!["name"]!.GetValue<string>() == ForcedProvider)!;
        Assert.Equal("forced-open", forced["mode"]!.GetValue<string>());
    }

    /// <summary>
    /// Signs in, reads every panel, forces <see cref="ForcedProvider"/> open, replays the dead letter, takes a screenshot and
    /// cuts the API off; returns the figures the page showed.
    /// </summary>
    private async Task<JsonElement> OperateDashboardAsync(IPage page, string baseUrl, string deadLetterId, string screenshot)
    {
        output.WriteLine("a wrong key is refused with a clear message");
        await page.GotoAsync(baseUrl + "/dashboard");
        await Expect(page.Locator("#login")).ToBeVisibleAsync();
        await page.FillAsync("#admin-key", "not-the-admin-key");
        await page.ClickAsync("#login-form button[type=submit]");
        var refusal = page.Locator("#login-error");
        await Expect(refusal).ToBeVisibleAsync();
        await Expect(refusal).ToHaveTextAsync(new Regex("refused", RegexOptions.IgnoreCase));
        await Expect(refusal).ToContainTextAsync("401");

        output.WriteLine("#key= pre-fills the key and leaves the address bar");
        await page.GotoAsync(baseUrl + "/dashboard#key=" + Uri.EscapeDataString(SiloApp.AdminKey));
        await Expect(page.Locator("#board")).ToBeVisibleAsync();
        Assert.DoesNotContain("key=", page.Url, StringComparison.Ordinal);
        Assert.Equal(SiloApp.AdminKey, await page.EvaluateAsync<string?>("() => sessionStorage.getItem('notifications.adminKey')"));

        output.WriteLine("cluster panel lists the silo with live figures");
        // CPU shown, activations counted.
        await page.WaitForFunctionAsync("""
            () => {
              const row = document.querySelector('#silo-table tbody tr');
              return row && row.cells[5].textContent !== '-' && Number(row.cells[4].textContent) > 0;
            }
            """);
        var siloCells = await CellsAsync(page.Locator("#silo-table tbody tr").First);
        Assert.Equal("active", siloCells[1]);
        Assert.Matches(@"^S127\.0\.0\.1:\d+:\d+$", siloCells[2]);
        Assert.Matches(@"\d", siloCells[6]);
        var grainCells = await page.Locator("#grain-map .cell").EvaluateAllAsync<string?[][]>("chips => chips.map((c) => [c.dataset.silo ?? null, c.dataset.grainType ?? null])");
        Assert.True(grainCells.Any(c => c[0] is { Length: > 0 } && c[1] == "SchedulerGrain"), "The grain map should show where the schedulers run.");

        output.WriteLine("traffic panel shows live rates and charts");
        await page.WaitForFunctionAsync("""
            () => Number(document.getElementById('kpi-accepted').dataset.value) > 0
              && Number(document.getElementById('kpi-delivered').dataset.value) > 0
              && Number(document.getElementById('chart-throughput').dataset.points) >= 6
            """);
        var firstUpdate = await page.TextContentAsync("#updated-at");
        var firstPending = await page.GetAttributeAsync("#kpi-pending", "data-value");
        await page.WaitForFunctionAsync("previous => document.getElementById('updated-at').textContent !== previous", firstUpdate);
        Assert.False(string.IsNullOrEmpty(firstPending), "The PENDING count should be shown.");
        await page.WaitForFunctionAsync("""() => document.querySelector('#latency-table tr[data-row="end"]').cells[2].textContent !== '-'""");
        await page.WaitForFunctionAsync("""() => document.querySelector('#latency-table tr[data-row="first"]').cells[2].textContent !== '-'""");
        await page.WaitForFunctionAsync("() => Number(document.getElementById('chart-latency').dataset.points) > 0");
        await page.WaitForFunctionAsync("() => document.getElementById('kpi-within30').dataset.value !== ''");

        output.WriteLine("providers panel shows success rate, and breaker state with controls");
        var webhookRow = page.Locator("#provider-table tbody tr[data-provider=\"webhook\"]");
        await webhookRow.WaitForAsync();
        var providerCells = await CellsAsync(webhookRow);
        Assert.EndsWith("%", providerCells[4], StringComparison.Ordinal);
        // The silo serves the provider routes, so the page must offer the breaker controls rather than the notice.
        Assert.False(await page.IsVisibleAsync("#providers-notice"), "The page says the provider routes are not served: " + await page.TextContentAsync("#providers-notice"));
        var forcedRow = $"#provider-table tbody tr[data-provider=\"{ForcedProvider}\"]";
        await page.WaitForSelectorAsync(forcedRow);
        var before = await CellsAsync(page.Locator(forcedRow));
        Assert.True(before[2] == "closed" && before[3] == "auto", $"{ForcedProvider} should start closed and auto: {string.Join(", ", before)}");
        await page.ClickAsync($"{forcedRow} button:text-is(\"Open\")");
        await page.WaitForFunctionAsync("""
            selector => {
              const cells = document.querySelector(selector).cells;
              return cells[2].textContent === 'open' && cells[3].textContent === 'forced-open';
            }
            """, forcedRow);

        output.WriteLine("reminders panel shows the backlog");
        await page.WaitForFunctionAsync("() => document.getElementById('rem-due').dataset.value !== ''");

        output.WriteLine("the dead letter is listed, opens with its attempts and is replayed");
        var deadRow = $"#dead-table tbody tr[data-id=\"{deadLetterId}\"]";
        await page.WaitForSelectorAsync(deadRow);
        await page.ClickAsync($"{deadRow} button.open");
        await page.WaitForSelectorAsync($"#detail[data-id=\"{deadLetterId}\"]:not([hidden])");
        var attempts = await page.Locator("#detail table.attempts tbody tr").EvaluateAllAsync<string[][]>("rows => rows.map((r) => [...r.cells].map((c) => c.textContent.trim()))");
        Assert.True(attempts.Length >= 1 && attempts.All(a => a[4] == "failed" && a[5] == "500"),
            "The attempts should be failed 500s: " + string.Join(" | ", attempts.Select(a => string.Join(", ", a))));
        await page.CheckAsync($"{deadRow} input[type=checkbox]");
        await page.ClickAsync("#replay-selected");
        await page.WaitForFunctionAsync("() => document.getElementById('replay-result').dataset.replayed !== undefined");
        Assert.Matches("Replayed 1 of 1", await page.TextContentAsync("#replay-result") ?? "");
        await page.WaitForSelectorAsync(deadRow, new PageWaitForSelectorOptions { State = WaitForSelectorState.Detached });

        output.WriteLine("search by id finds the replayed notification");
        await page.FillAsync("#search-id", deadLetterId);
        await page.ClickAsync("#search-form button[type=submit]");
        await page.WaitForFunctionAsync("""
            id => {
              const detail = document.getElementById('detail');
              const state = detail.querySelector('dd .status');
              return detail.dataset.id === id && state && state.textContent !== 'FAILED';
            }
            """, deadLetterId);
        output.WriteLine("replayed notification shown as " + await page.TextContentAsync("#detail dd .status"));

        var figures = await page.EvaluateAsync<JsonElement>("""
            () => ({
              acceptedPerSecond: Number(document.getElementById('kpi-accepted').dataset.value),
              deliveredPerSecond: Number(document.getElementById('kpi-delivered').dataset.value),
              pending: Number(document.getElementById('kpi-pending').dataset.value),
              overdue: Number(document.getElementById('kpi-overdue').dataset.value),
              within30s: Number(document.getElementById('kpi-within30').dataset.value),
              endToEndP50: document.querySelector('#latency-table tr[data-row="end"]').cells[2].textContent,
              firstAttemptP50: document.querySelector('#latency-table tr[data-row="first"]').cells[2].textContent,
              remindersDue: Number(document.getElementById('rem-due').dataset.value),
              throughputPoints: Number(document.getElementById('chart-throughput').dataset.points),
              silos: document.querySelectorAll('#silo-table tbody tr').length,
            })
            """);

        output.WriteLine("screenshot");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot, FullPage = true });

        output.WriteLine("an unreachable API is reported, and the page recovers");
        await page.RouteAsync("**/v1/admin/**", route => route.AbortAsync("connectionrefused"));
        var banner = page.Locator("#banner");
        await Expect(banner).ToBeVisibleAsync();
        await Expect(banner).ToHaveTextAsync(new Regex("unreachable", RegexOptions.IgnoreCase));
        await Expect(page.Locator("#connection")).ToHaveTextAsync("API unreachable");
        await page.UnrouteAsync("**/v1/admin/**");
        await Expect(banner).ToBeHiddenAsync();
        return figures;
    }

    private static Task<string[]> CellsAsync(ILocator row) => row.EvaluateAsync<string[]>("tr => [...tr.cells].map((c) => c.textContent.trim())");

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

    // Debian's Chromium (CHROMIUM_PATH, /usr/bin/chromium or chromium on PATH); Playwright downloads no browser here.
    private static string RequireChromium()
    {
        var candidates = new[] { Environment.GetEnvironmentVariable("CHROMIUM_PATH"), "/usr/bin/chromium" }
            .Concat((Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Select(dir => Path.Combine(dir, "chromium")));
        return candidates.FirstOrDefault(c => c is { Length: > 0 } && File.Exists(c))
            ?? throw new Xunit.Sdk.XunitException(
                "The dashboard's browser test cannot run: Chromium is missing (not at CHROMIUM_PATH, /usr/bin/chromium or on PATH). Run `apt-get install -y chromium`.");
    }
}
