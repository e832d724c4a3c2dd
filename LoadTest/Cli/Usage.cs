namespace PaymentNotifications.LoadTest.Cli;

/// <summary>The help text.</summary>
public static class Usage
{
    public const string Text = """
        Notifications.Orleans load generator

        Commands
          run     one load run: open loop at --rate or closed loop at --concurrency, for --duration or --count
          search  find the highest sustainable open-loop rate (ramp, then bisect), then hold it
          bench   pgbench baseline, then search + hold per cluster size, silo RSS and CPU; prints figures vs targets
          soak    chaos soak: steady load, kill -9 of a random silo, provider faults and an outage; checks invariants

        Where the cluster is (run, search)
          --target URL[,URL...]      running silos (round-robin); or env LOADTEST_TARGET
          --admin-key KEY            creates the run's tenant; or env LOADTEST_ADMIN_KEY
          --tenant-key KEY           submit as an existing tenant instead (no endpoint setup checks of ids)
          --start-silos N            start N silo processes instead (needs --postgres); logs in --logs DIR
          --postgres CONN            PostgreSQL for started silos (bench, soak: required)
          --silo-dll PATH            the silo executable (default: the copy next to the generator)
          --silo-settings "K=V;K=V"  extra silo configuration, e.g. "Delivery:AttemptTimeout=5s"

        Load (run, search, bench)
          --mode open|closed         default open
          --rate N                   open loop: requests per second (default 500)
          --concurrency N            closed loop: workers; open loop: most requests in flight (default 256; bench 64)
          --duration D | --count N   how long / how many (default 30s)
          --mix webhook=0.7,sms=0.1,email=0.1,push=0.1   channel shares (default webhook=1)
          --duplicates F             share of repeats of accepted requests, same key and body (expect 200)
          --invalid F                share of invalid requests (expect 400)
          --merchants N              merchants the webhooks go to (default 64)
          --client http|dotnet       raw HTTP (default) or the typed .NET client
          --http2                    HTTP/2 without TLS instead of HTTP/1.1
          --request-timeout D        per request (default 30s)
          --drain D                  wait this long at most for deliveries after sending (default 30s)
          --success-sample N         accepted notifications read back for time to SUCCESS (default 200)
          --json PATH                write the report as JSON

        Receivers
          (default)                  a webhook receiver on 127.0.0.1 in this process records each arrival by id
          --receiver-port P          its port (default a free one)
          --verify-signatures        check every webhook signature (costs generator CPU)
          --receiver-url URL         register an external receiver instead (no delivery latency then)
          --no-receiver              register no endpoints
          --sandbox                  host the sandbox SMS/e-mail/push providers here (with --start-silos)

        Search (search, bench)
          --start-rate N (500) --max-rate N (50000) --min-rate N (25) --growth F (1.5) --refinements N (3)
          --warmup D (10s, at half the start rate, not judged) --step D (10s) --step-drain D (15s) --hold D (60s) --hold-drain D (60s)
          --p99-limit-ms N (50; 0 ignores latency) --max-error-share F (0.001)

        Bench only
          --silos 1,3                cluster sizes (default 1,3)
          --baseline-duration D      pgbench run (default 30s); --pgbench PATH
          --memory-duration D        long run at --memory-share (0.7) of the rate found, RSS sampled (default 0: skip)
          --rss-interval D           RSS sampling period (default 5s)

        Soak
          --silos N (3) --duration D (10m) --rate N (100) --kill-every D (60s) --restart-after D (3s)
          --fault-rate F (0.1) --down-provider webhook|twilio|sendgrid|... (webhook) --down-at D (4m) --down-for D (2m)
          --drain D (3m) --client-timeout D (10s) --client-give-up D (3m) --kill-window-settle D (15s)
          --mix ... --merchants N (16) --no-sandbox --seed N --json PATH

        Durations: 500ms, 30s, 10m, 1h or 00:01:00.
        """;
}
