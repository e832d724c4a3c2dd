namespace PaymentNotifications.Runtime.Storage;

/// <summary>Converts between the numeric row version and the ETag string grains see.</summary>
public static class StateVersion
{
    public static long Parse(string? etag) => etag is null ? 0 : long.Parse(etag, System.Globalization.CultureInfo.InvariantCulture);

    public static string Format(long version) => version.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static InconsistentStateException Conflict(GrainId grainId, string? expected) =>
        new($"State of {grainId} was changed by another writer (expected version {expected ?? "none"}).");
}
