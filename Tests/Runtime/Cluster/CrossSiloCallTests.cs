using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using PaymentNotifications.Runtime;
using PaymentNotifications.Runtime.Calls;
using PaymentNotifications.Runtime.Membership;
using PaymentNotifications.Runtime.Testing;
using PaymentNotifications.Tests.Infrastructure;

namespace PaymentNotifications.Tests.Runtime.Cluster;

/// <summary>Calls between silos over the internal endpoint: results, exceptions, call chains, redirects, clients, protection.</summary>
[Collection(ClusterCollection.Name)]
public sealed class CrossSiloCallTests
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(20);

    [Theory]
    [InlineData("argument-null", typeof(ArgumentNullException))]
    [InlineData("invalid-operation", typeof(InvalidOperationException))]
    [InlineData("key-not-found", typeof(KeyNotFoundException))]
    [InlineData("payment-declined", typeof(PaymentDeclinedTestException))]
    [InlineData("inconsistent-state", typeof(InconsistentStateException))]
    public async Task Grain_exceptions_come_back_across_silos_as_the_same_type(string kind, Type expected)
    {
        await using var cluster = await TestClusters.StartAsync(new ClusterProbe(), silos: 2);
        await cluster.WaitForBalancedOwnershipAsync(Settle);
        var (caller, owner) = (cluster.Silos[0], cluster.Silos[1]);
        var key = TestClusters.KeyOwnedBy<IThrowingGrain>(owner, "thrower");
        var remoteBefore = caller.Router.RemoteCalls;

        var error = await Assert.ThrowsAnyAsync<Exception>(() => caller.GrainFactory.GetGrain<IThrowingGrain>(key).Throw(kind, "card 4242 declined"));

        Assert.IsType(expected, error);
        Assert.Contains("card 4242 declined", error.Message);
        Assert.True(caller.Router.RemoteCalls > remoteBefore, "the call crossed to the owning silo");
    }

    [Fact]
    public async Task An_exception_that_cannot_be_rebuilt_arrives_as_a_grain_call_exception_naming_its_type()
    {
        await using var cluster = await TestClusters.StartAsync(new ClusterProbe(), silos: 2);
        await cluster.WaitForBalancedOwnershipAsync(Settle);
        var key = TestClusters.KeyOwnedBy<IThrowingGrain>(cluster.Silos[1], "thrower");

        var error = await Assert.ThrowsAsync<GrainCallException>(() => cluster.Silos[0].GrainFactory.GetGrain<IThrowingGrain>(key).Throw("ledger-code", ""));

        Assert.Equal(typeof(LedgerCodeTestException).FullName, error.RemoteType);
        Assert.Equal("ledger code 42", error.Message);
    }

    [Fact]
    public void Exception_types_are_rebuilt_only_from_exception_types()
    {
        Assert.IsType<GrainCallException>(GrainExceptionCodec.Rebuild(new RemoteExceptionInfo("System.Text.StringBuilder", "x")));
        Assert.IsType<GrainCallException>(GrainExceptionCodec.Rebuild(new RemoteExceptionInfo("No.Such.Type", "x")));
        var rebuilt = Assert.IsType<ArgumentOutOfRangeException>(GrainExceptionCodec.Rebuild(new RemoteExceptionInfo(typeof(ArgumentOutOfRangeException).FullName!, "too big")));
        Assert.Equal("too big", rebuilt.Message);
    }

    [Fact]
    public async Task A_call_chain_that_returns_to_a_grain_on_another_silo_does_not_deadlock()
    {
        await using var cluster = await TestClusters.StartAsync(new ClusterProbe(), silos: 2);
        await cluster.WaitForBalancedOwnershipAsync(Settle);
        var (first, second) = (cluster.Silos[0], cluster.Silos[1]);
        var a = TestClusters.KeyOwnedBy<IClusterPingGrain>(first, "a");
        var b = TestClusters.KeyOwnedBy<IClusterPingGrain>(second, "b");

        // a (first silo) calls b (second silo), which calls a again while a's turn is still waiting for b.
        var answer = await first.GrainFactory.GetGrain<IClusterPingGrain>(a).PingThrough(b).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal($"{b}@{second.SiloId}->{a}@{first.SiloId}", answer);
    }

    [Fact]
    public async Task A_call_that_reaches_a_former_owner_is_redirected_to_the_new_one()
    {
        await using var cluster = await TestClusters.StartAsync(new ClusterProbe(), silos: 2);
        await cluster.WaitForBalancedOwnershipAsync(Settle);
        await using var client = await cluster.StartClientAsync();
        // A key that silo-1 owns now and that moves to silo-3 when it joins.
        var key = Enumerable.Range(0, 10_000).Select(i => $"moving-{i}").First(k =>
        {
            var partition = TestClusters.PartitionOf<IOperationCounterGrain>(cluster, k);
            return PartitionAssignment.Compute(cluster.PartitionCount, ["silo-1", "silo-2"])[partition] == "silo-1"
                && PartitionAssignment.Compute(cluster.PartitionCount, ["silo-1", "silo-2", "silo-3"])[partition] == "silo-3";
        });
        var counter = client.GrainFactory.GetGrain<IOperationCounterGrain>(key);
        Assert.Equal(1, await counter.Apply("op-1"));
        Assert.Equal("silo-1", (await counter.Read()).SiloId);

        // The client keeps its old map while the partition moves; only the refused call tells it.
        client.PauseRouting();
        await cluster.StartSiloAsync();
        await cluster.WaitForBalancedOwnershipAsync(Settle);
        var redirectsBefore = client.Router.Redirects;

        Assert.Equal(2, await counter.Apply("op-2"));

        Assert.True(client.Router.Redirects > redirectsBefore, "the former owner answered not-owner and the call went on");
        var snapshot = await counter.Read();
        Assert.Equal("silo-3", snapshot.SiloId);
        Assert.Equal(["op-1", "op-2"], snapshot.Applied);
        client.ResumeRouting();
    }

    [Fact]
    public async Task A_client_that_owns_nothing_routes_calls_to_the_owners()
    {
        await using var cluster = await TestClusters.StartAsync(new ClusterProbe(), silos: 2);
        await cluster.WaitForBalancedOwnershipAsync(Settle);
        await using var client = await cluster.StartClientAsync();

        var answers = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => client.GrainFactory.GetGrain<IOperationCounterGrain>($"c{i}").Apply("once")));

        Assert.All(answers, a => Assert.Equal(1, a));
        Assert.Empty(client.Ownership.ValidPartitions);
        Assert.Equal(0, client.Router.LocalCalls);
        Assert.True(client.Router.RemoteCalls >= 200);
        var silos = await cluster.Membership.ReadAllAsync(CancellationToken.None);
        Assert.DoesNotContain(silos, s => s.SiloId == client.Ownership.SiloId);
        var leases = await cluster.Leases.ReadAllAsync(CancellationToken.None);
        Assert.DoesNotContain(leases, l => l.Owner == client.Ownership.SiloId);
    }

    [Fact]
    public async Task The_internal_endpoint_refuses_calls_without_the_cluster_secret()
    {
        await using var cluster = await TestClusters.StartAsync(new ClusterProbe(), silos: 1);
        var silo = cluster.Silos[0];
        var key = TestClusters.KeyOwnedBy<IClusterPingGrain>(silo, "guarded");
        var body = $$"""{"grain":"ClusterPingGrain/{{key}}","method":"{{typeof(IClusterPingGrain).FullName}}.Echo","arguments":[7],"callChain":[]}""";
        using var http = new HttpClient { BaseAddress = new Uri(silo.Address) };

        async Task<HttpResponseMessage> PostAsync(string? secret)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, SiloInternalEndpoint.InvokePath) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            if (secret is not null)
            {
                request.Headers.Add(SiloInternalEndpoint.SecretHeader, secret);
            }
            return await http.SendAsync(request);
        }

        Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync(null)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync("guess")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync(cluster.Settings["Cluster:Secret"] + "x")).StatusCode);
        using var accepted = await PostAsync(cluster.Settings["Cluster:Secret"]);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Contains("\"result\":7", await accepted.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Silos_agree_on_a_generated_secret_when_none_is_configured()
    {
        await using var cluster = await TestClusters.StartAsync(new ClusterProbe(), silos: 2, new Dictionary<string, string?> { ["Cluster:Secret"] = "" });
        await cluster.WaitForBalancedOwnershipAsync(Settle);
        var key = TestClusters.KeyOwnedBy<IClusterPingGrain>(cluster.Silos[1], "generated");

        Assert.Equal(5, await cluster.Silos[0].GrainFactory.GetGrain<IClusterPingGrain>(key).Echo(5));

        var secrets = await Task.WhenAll(cluster.Silos.Select(s => s.Services.GetRequiredService<ClusterSecret>().GetAsync(CancellationToken.None).AsTask()));
        Assert.Single(secrets.Distinct());
        Assert.True(secrets[0].Length >= 32);
    }

    [Theory]
    [InlineData(null, "1.1")]
    [InlineData("Http2", "2.0")]
    public async Task Calls_use_http2_where_the_listener_speaks_it_and_pooled_http11_otherwise(string? protocols, string expected)
    {
        var settings = new Dictionary<string, string?>();
        if (protocols is not null)
        {
            settings["Kestrel:EndpointDefaults:Protocols"] = protocols;
        }
        await using var cluster = await TestClusters.StartAsync(new ClusterProbe(), silos: 2, settings);
        await cluster.WaitForBalancedOwnershipAsync(Settle);
        var (caller, owner) = (cluster.Silos[0], cluster.Silos[1]);
        var key = TestClusters.KeyOwnedBy<IClusterPingGrain>(owner, "proto");

        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(i, await caller.GrainFactory.GetGrain<IClusterPingGrain>(key).Echo(i));
        }

        var invoker = (HttpRemoteGrainInvoker)caller.Services.GetRequiredService<IRemoteGrainInvoker>();
        Assert.Equal(Version.Parse(expected), invoker.Protocols[owner.Address]);
    }
}
