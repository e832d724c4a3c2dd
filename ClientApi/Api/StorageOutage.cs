using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace PaymentNotifications.Api;

/// <summary>
/// Tells a storage outage (PostgreSQL unreachable, restarting or out of connections) from other failures, so that
/// requests get a 503 to retry rather than a 500, and logs each outage once rather than once per request.
/// </summary>
public sealed class StorageOutage(TimeProvider time, ILogger<StorageOutage> logger)
{
    /// <summary>Failures closer together than this belong to one outage, and are logged once.</summary>
    public static readonly TimeSpan SameOutageWithin = TimeSpan.FromSeconds(30);

    private readonly Lock _lock = new();
    private DateTimeOffset? _lastFailure;

    /// <summary>Whether <paramref name="error"/>, or an exception inside it, says storage could not be reached.</summary>
    public static bool IsOutage(Exception? error)
    {
        for (var e = error; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case PostgresException postgres:
                    // Class 08 connection exception, 57P01-57P03 shutting down or starting, 53300 too many connections.
                    return postgres.SqlState.StartsWith("08", StringComparison.Ordinal) || postgres.SqlState is "57P01" or "57P02" or "57P03" or "53300";
                case NpgsqlException or SocketException:
                    return true;
                case Orleans.Serialization.UnavailableExceptionFallbackException fallback when fallback.ExceptionType?.Contains("Npgsql", StringComparison.Ordinal) == true:
                    return true;
                case AggregateException aggregate:
                    return aggregate.InnerExceptions.Any(IsOutage);
            }
        }
        return false;
    }

    /// <summary>Records a request that failed on storage; the first of an outage is logged.</summary>
    public void Failed(Exception error, string request)
    {
        var now = time.GetUtcNow();
        bool first;
        lock (_lock)
        {
            first = _lastFailure is not { } last || now - last > SameOutageWithin;
            _lastFailure = now;
        }
        if (first)
        {
            logger.LogError(error, "Storage is unreachable ({Request} failed); requests are answered 503 with Retry-After until it answers again, and this is not logged again for this outage", request);
        }
    }
}
