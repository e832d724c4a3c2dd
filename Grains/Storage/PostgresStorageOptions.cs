namespace PaymentNotifications.Grains.Storage;

/// <summary>How a process uses PostgreSQL; bound from "Storage".</summary>
public sealed class PostgresStorageOptions
{
    public const string SectionName = "Storage";

    /// <summary>
    /// Most connections this process opens (<c>Storage:MaxPoolSize</c>, default 25), shared by the notification
    /// store, the write batches and Orleans' clustering, reminders and grain storage. Keep silos x this below
    /// PostgreSQL's <c>max_connections</c> (100 by default); a "Maximum Pool Size" in the connection string wins.
    /// </summary>
    public int MaxPoolSize { get; set; } = 25;

    /// <summary>Most statements sent in one round trip and committed in one transaction (<c>Storage:MaxBatchSize</c>, default 256).</summary>
    public int MaxBatchSize { get; set; } = 256;

    /// <summary>Write batches in flight at once, each on its own connection (<c>Storage:MaxConcurrentBatches</c>, default 4).</summary>
    public int MaxConcurrentBatches { get; set; } = 4;

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (MaxPoolSize < 2)
        {
            errors.Add("Storage:MaxPoolSize must be at least 2.");
        }
        if (MaxBatchSize < 1)
        {
            errors.Add("Storage:MaxBatchSize must be at least 1.");
        }
        if (MaxConcurrentBatches < 1 || MaxConcurrentBatches >= MaxPoolSize)
        {
            errors.Add("Storage:MaxConcurrentBatches must be at least 1 and below Storage:MaxPoolSize.");
        }
        return errors;
    }
}
