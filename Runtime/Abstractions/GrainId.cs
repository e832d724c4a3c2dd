namespace PaymentNotifications.Runtime;

/// <summary>The identity of a grain: its type name and its key.</summary>
public readonly record struct GrainId(string Type, string Key)
{
    public override string ToString() => $"{Type}/{Key}";

    /// <summary>Parses the "type/key" form produced by <see cref="ToString"/>.</summary>
    public static GrainId Parse(string text)
    {
        var slash = text.IndexOf('/');
        if (slash <= 0 || slash == text.Length - 1)
        {
            throw new FormatException($"'{text}' is not a grain id of the form type/key.");
        }
        return new GrainId(text[..slash], text[(slash + 1)..]);
    }
}
