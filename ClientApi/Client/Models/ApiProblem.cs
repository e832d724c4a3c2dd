namespace PaymentNotifications.Client.Models;

/// <summary>An RFC 9457 problem details document, as the API reports errors.</summary>
public sealed record ApiProblem
{
    /// <summary>A URI naming the kind of problem; stable across releases.</summary>
    public string? Type { get; init; }

    /// <summary>A short summary of the kind of problem.</summary>
    public string? Title { get; init; }

    /// <summary>The HTTP status code.</summary>
    public int? Status { get; init; }

    /// <summary>What went wrong in this occurrence.</summary>
    public string? Detail { get; init; }

    /// <summary>A URI naming this occurrence.</summary>
    public string? Instance { get; init; }

    /// <summary>For validation problems, the messages per field.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>>? Errors { get; init; }
}
