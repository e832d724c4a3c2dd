using System.Globalization;
using PaymentNotifications.Grains.Interfaces.Contracts;

namespace PaymentNotifications.LoadTest.Load;

/// <summary>The share of each channel in the generated notifications, e.g. <c>webhook=0.7,sms=0.1,email=0.1,push=0.1</c>.</summary>
public sealed class ChannelMix
{
    private readonly (Channel Channel, double UpTo)[] _cumulative;

    private ChannelMix(IReadOnlyDictionary<Channel, double> weights)
    {
        Weights = weights;
        var total = weights.Values.Sum();
        var running = 0.0;
        _cumulative = weights.Where(w => w.Value > 0).Select(w => (w.Key, running += w.Value / total)).ToArray();
        _cumulative[^1].UpTo = 1.0;
    }

    /// <summary>Only webhooks: the one channel a local receiver can see arrive end to end.</summary>
    public static ChannelMix WebhooksOnly { get; } = new(new Dictionary<Channel, double> { [Channel.Webhook] = 1 });

    /// <summary>The weights as given (not normalized).</summary>
    public IReadOnlyDictionary<Channel, double> Weights { get; }

    /// <summary>Parses <c>name=weight</c> pairs separated by commas; weights are relative and need not sum to 1.</summary>
    /// <exception cref="FormatException">An unknown channel, a negative or non-numeric weight, or all weights zero.</exception>
    public static ChannelMix Parse(string text)
    {
        var weights = new Dictionary<Channel, double>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var pair = part.Split('=', 2, StringSplitOptions.TrimEntries);
            var name = pair[0];
            if (!Enum.TryParse<Channel>(name, ignoreCase: true, out var channel) || int.TryParse(name, out _))
            {
                throw new FormatException($"Unknown channel '{name}' in the mix (use webhook, sms, email, push).");
            }
            var weight = 1.0;
            if (pair.Length == 2 && (!double.TryParse(pair[1], NumberStyles.Float, CultureInfo.InvariantCulture, out weight) || weight < 0 || double.IsNaN(weight)))
            {
                throw new FormatException($"The weight of '{name}' must be a number of at least 0.");
            }
            weights[channel] = weight;
        }
        if (weights.Values.Sum() <= 0)
        {
            throw new FormatException("The channel mix needs at least one channel with a weight above 0.");
        }
        return new ChannelMix(weights);
    }

    /// <summary>The channel for a uniform draw in [0, 1).</summary>
    public Channel Pick(double draw)
    {
        foreach (var (channel, upTo) in _cumulative)
        {
            if (draw < upTo)
            {
                return channel;
            }
        }
        return _cumulative[^1].Channel;
    }

    public override string ToString() =>
        string.Join(",", Weights.Select(w => $"{WireNames.Of(w.Key)}={w.Value.ToString(CultureInfo.InvariantCulture)}"));
}
