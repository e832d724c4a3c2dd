using PaymentNotifications.Runtime;
using PaymentNotifications.Runtime.Membership;
using PaymentNotifications.Runtime.Storage;

namespace PaymentNotifications.Tests.Runtime;

public sealed class SampleState
{
    public string Text { get; set; } = "";
    public int Number { get; set; }
}

/// <summary>The grain-state contract, run against every implementation.</summary>
public abstract class GrainStorageContractTests
{
    protected abstract Task<StorageBackend> CreateAsync();

    private static async Task<WriteFence> LeaseAsync(StorageBackend backend, GrainId grainId, string silo = "silo-a")
    {
        var partition = backend.Partitions.GetPartition(grainId);
        await backend.Leases.EnsurePartitionsAsync(StorageBackends.PartitionCount, CancellationToken.None);
        var held = await backend.Leases.TryAcquireAsync(silo, [partition], TimeSpan.FromMinutes(1), CancellationToken.None);
        return new WriteFence(partition, silo, Assert.Single(held).Epoch);
    }

    [Fact]
    public async Task Written_state_reads_back_with_a_new_version()
    {
        var backend = await CreateAsync();
        var id = new GrainId("sample", "a");
        var fence = await LeaseAsync(backend, id);
        var state = new GrainState<SampleState>(new SampleState { Text = "hello", Number = 42 });

        await backend.State.WriteStateAsync(id, state, fence, CancellationToken.None);
        var firstVersion = state.ETag;
        state.State.Number = 43;
        await backend.State.WriteStateAsync(id, state, fence, CancellationToken.None);

        var read = new GrainState<SampleState>(new SampleState());
        await backend.State.ReadStateAsync(id, read, CancellationToken.None);
        Assert.True(read.RecordExists);
        Assert.Equal("hello", read.State.Text);
        Assert.Equal(43, read.State.Number);
        Assert.Equal(state.ETag, read.ETag);
        Assert.NotEqual(firstVersion, read.ETag);
    }

    [Fact]
    public async Task Missing_state_reads_as_no_record()
    {
        var backend = await CreateAsync();
        var read = new GrainState<SampleState>(new SampleState { Number = 7 });
        await backend.State.ReadStateAsync(new GrainId("sample", "missing"), read, CancellationToken.None);
        Assert.False(read.RecordExists);
        Assert.Null(read.ETag);
    }

    [Fact]
    public async Task Write_with_a_stale_version_fails_and_does_not_overwrite()
    {
        var backend = await CreateAsync();
        var id = new GrainId("sample", "stale");
        var fence = await LeaseAsync(backend, id);
        var first = new GrainState<SampleState>(new SampleState { Number = 1 });
        await backend.State.WriteStateAsync(id, first, fence, CancellationToken.None);
        var stale = new GrainState<SampleState>(new SampleState { Number = 99 }) { ETag = first.ETag, RecordExists = true };
        first.State.Number = 2;
        await backend.State.WriteStateAsync(id, first, fence, CancellationToken.None);

        await Assert.ThrowsAsync<InconsistentStateException>(() => backend.State.WriteStateAsync(id, stale, fence, CancellationToken.None));

        var read = new GrainState<SampleState>(new SampleState());
        await backend.State.ReadStateAsync(id, read, CancellationToken.None);
        Assert.Equal(2, read.State.Number);
    }

    [Fact]
    public async Task Second_insert_of_a_new_record_fails()
    {
        var backend = await CreateAsync();
        var id = new GrainId("sample", "insert-race");
        var fence = await LeaseAsync(backend, id);
        await backend.State.WriteStateAsync(id, new GrainState<SampleState>(new SampleState { Number = 1 }), fence, CancellationToken.None);

        await Assert.ThrowsAsync<InconsistentStateException>(() =>
            backend.State.WriteStateAsync(id, new GrainState<SampleState>(new SampleState { Number = 2 }), fence, CancellationToken.None));
    }

    [Fact]
    public async Task Concurrent_writers_from_one_version_exactly_one_wins()
    {
        var backend = await CreateAsync();
        var id = new GrainId("sample", "race");
        var fence = await LeaseAsync(backend, id);
        var initial = new GrainState<SampleState>(new SampleState());
        await backend.State.WriteStateAsync(id, initial, fence, CancellationToken.None);

        var writers = Enumerable.Range(0, 20).Select(async i =>
        {
            var mine = new GrainState<SampleState>(new SampleState { Number = i }) { ETag = initial.ETag, RecordExists = true };
            try
            {
                await backend.State.WriteStateAsync(id, mine, fence, CancellationToken.None);
                return (Won: true, Number: i);
            }
            catch (InconsistentStateException)
            {
                return (Won: false, Number: i);
            }
        }).ToList();
        var results = await Task.WhenAll(writers);

        var winner = Assert.Single(results, r => r.Won);
        var read = new GrainState<SampleState>(new SampleState());
        await backend.State.ReadStateAsync(id, read, CancellationToken.None);
        Assert.Equal(winner.Number, read.State.Number);
    }

    [Fact]
    public async Task Write_under_a_lease_taken_over_by_another_silo_is_refused()
    {
        var backend = await CreateAsync();
        var id = new GrainId("sample", "zombie");
        var zombieFence = await LeaseAsync(backend, id, "silo-old");
        var state = new GrainState<SampleState>(new SampleState { Number = 1 });
        await backend.State.WriteStateAsync(id, state, zombieFence, CancellationToken.None);
        // The old owner stops renewing; its lease runs out and another silo takes over (a new epoch).
        var partition = zombieFence.Partition;
        await backend.Leases.RenewAsync("silo-old", [new HeldLease(partition, zombieFence.Epoch)], TimeSpan.FromMilliseconds(1), CancellationToken.None);
        await Task.Delay(50);
        var taken = await backend.Leases.TryAcquireAsync("silo-new", [partition], TimeSpan.FromMinutes(1), CancellationToken.None);
        Assert.Equal(zombieFence.Epoch + 1, Assert.Single(taken).Epoch);

        state.State.Number = 2;
        await Assert.ThrowsAsync<PartitionLeaseLostException>(() => backend.State.WriteStateAsync(id, state, zombieFence, CancellationToken.None));

        var read = new GrainState<SampleState>(new SampleState());
        await backend.State.ReadStateAsync(id, read, CancellationToken.None);
        Assert.Equal(1, read.State.Number);
    }

    [Fact]
    public async Task Clear_removes_the_record()
    {
        var backend = await CreateAsync();
        var id = new GrainId("sample", "clear");
        var fence = await LeaseAsync(backend, id);
        var state = new GrainState<SampleState>(new SampleState { Number = 5 });
        await backend.State.WriteStateAsync(id, state, fence, CancellationToken.None);

        await backend.State.ClearStateAsync(id, state, fence, CancellationToken.None);

        var read = new GrainState<SampleState>(new SampleState());
        await backend.State.ReadStateAsync(id, read, CancellationToken.None);
        Assert.False(read.RecordExists);
    }
}

public sealed class MemoryGrainStorageTests : GrainStorageContractTests
{
    protected override Task<StorageBackend> CreateAsync() => Task.FromResult(StorageBackends.Memory());
}

public sealed class PostgresGrainStorageTests : GrainStorageContractTests
{
    protected override Task<StorageBackend> CreateAsync() => StorageBackends.PostgresAsync();
}
