using Microsoft.Extensions.Options;

namespace PaymentNotifications.Silo.Hosting;

/// <summary>The configuration problems a failed start reports (options validation, alone or several at once).</summary>
public static class StartupRefusal
{
    public static IReadOnlyList<string> Failures(Exception error) => error switch
    {
        OptionsValidationException invalid => invalid.Failures.ToList(),
        AggregateException several when several.InnerExceptions.All(e => e is OptionsValidationException) =>
            several.InnerExceptions.Cast<OptionsValidationException>().SelectMany(e => e.Failures).ToList(),
        _ => [],
    };
}
