using System.Text;

namespace PaymentNotifications.Client.Http;

/// <summary>Builds an escaped query string from the filters that are set.</summary>
internal sealed class QueryString
{
    private readonly StringBuilder text = new();

    public QueryString Add(string name, string? value)
    {
        if (value is null)
        {
            return this;
        }

        text.Append(text.Length == 0 ? '?' : '&')
            .Append(Uri.EscapeDataString(name))
            .Append('=')
            .Append(Uri.EscapeDataString(value));
        return this;
    }

    public override string ToString() => text.ToString();
}
