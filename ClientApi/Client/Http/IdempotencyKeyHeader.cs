namespace PaymentNotifications.Client.Http;

/// <summary>The <c>Idempotency-Key</c> request header that makes a repeated submit safe.</summary>
internal static class IdempotencyKeyHeader
{
    public const string Name = "Idempotency-Key";

    /// <summary>Adds the header when the key is printable ASCII; otherwise the body field alone carries it.</summary>
    public static void Add(HttpRequestMessage request, string key)
    {
        if (key.All(c => c is >= ' ' and <= '~') && key.Trim().Length == key.Length)
        {
            request.Headers.TryAddWithoutValidation(Name, key);
        }
    }
}
