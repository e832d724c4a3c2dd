using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace PaymentNotifications.Grains.Storage;

/// <summary>
/// Group commit: the notification writes of many activations travel to PostgreSQL together, in
/// one round trip and one transaction, so throughput is not one commit per write. Nothing waits
/// to fill a batch: a write goes out at once when a worker is free, and writes that arrive while
/// every worker is busy form the next batch. Each caller learns its own statement's row count only
/// after the batch has committed, so nothing is acknowledged before it is durable. Written by hand:
/// Npgsql batches one connection's commands but has no queue shared by independent callers.
/// </summary>
public sealed class PostgresWriteBatcher : IAsyncDisposable
{
    private sealed record Pending(NpgsqlBatchCommand Command, TaskCompletionSource<int> Done);

    private readonly NpgsqlDataSource _dataSource;
    private readonly PostgresStorageOptions _options;
    private readonly ILogger<PostgresWriteBatcher> _logger;
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = false });
    private readonly Task[] _workers;
    private long _batches;
    private long _statements;

    public PostgresWriteBatcher(NpgsqlDataSource dataSource, IOptions<PostgresStorageOptions> options, ILogger<PostgresWriteBatcher> logger)
    {
        _dataSource = dataSource;
        _options = options.Value;
        _logger = logger;
        _workers = Enumerable.Range(0, Math.Max(1, _options.MaxConcurrentBatches)).Select(_ => Task.Run(WorkAsync)).ToArray();
    }

    /// <summary>Statements per committed batch since start (1 when there is no contention).</summary>
    public double AverageBatchSize => Interlocked.Read(ref _batches) is var b and > 0 ? (double)Interlocked.Read(ref _statements) / b : 0;

    /// <summary>Runs the statement in the next batch; returns its row count once the batch has committed.</summary>
    public Task<int> ExecuteAsync(NpgsqlBatchCommand command)
    {
        var pending = new Pending(command, new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_queue.Writer.TryWrite(pending))
        {
            throw new ObjectDisposedException(nameof(PostgresWriteBatcher));
        }
        return pending.Done.Task;
    }

    private async Task WorkAsync()
    {
        var batch = new List<Pending>(_options.MaxBatchSize);
        while (await _queue.Reader.WaitToReadAsync())
        {
            batch.Clear();
            while (batch.Count < _options.MaxBatchSize && _queue.Reader.TryRead(out var next))
            {
                batch.Add(next);
            }
            if (batch.Count == 0)
            {
                continue;
            }
            try
            {
                await CommitAsync(batch, copyCommands: false);
            }
            catch (Exception e) when (batch.Count > 1)
            {
                // One statement's error (or a deadlock) must not fail the others: each goes again alone.
                _logger.LogDebug(e, "A batch of {Count} writes failed; running them one by one", batch.Count);
                foreach (var pending in batch)
                {
                    try
                    {
                        await CommitAsync([pending], copyCommands: true);
                    }
                    catch (Exception single)
                    {
                        pending.Done.TrySetException(single);
                    }
                }
            }
            catch (Exception e)
            {
                batch[0].Done.TrySetException(e);
            }
        }
    }

    private async Task CommitAsync(IReadOnlyList<Pending> batch, bool copyCommands)
    {
        await using var connection = await _dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using var npgsqlBatch = new NpgsqlBatch(connection, transaction);
        foreach (var pending in batch)
        {
            // A command that was part of a failed batch runs again as a copy.
            npgsqlBatch.BatchCommands.Add(copyCommands ? Copy(pending.Command) : pending.Command);
        }
        await npgsqlBatch.ExecuteNonQueryAsync();
        await transaction.CommitAsync();
        Interlocked.Increment(ref _batches);
        Interlocked.Add(ref _statements, batch.Count);
        for (var i = 0; i < batch.Count; i++)
        {
            batch[i].Done.TrySetResult(npgsqlBatch.BatchCommands[i].RecordsAffected);
        }
    }

    private static NpgsqlBatchCommand Copy(NpgsqlBatchCommand command)
    {
        var copy = new NpgsqlBatchCommand(command.CommandText);
        foreach (NpgsqlParameter parameter in command.Parameters)
        {
            copy.Parameters.Add(parameter.Clone());
        }
        return copy;
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await Task.WhenAll(_workers);
    }
}
