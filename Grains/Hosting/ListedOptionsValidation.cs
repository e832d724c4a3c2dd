using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace PaymentNotifications.Grains.Hosting;

/// <summary>Options whose own check lists its problems, each naming the key: the start fails with that list.</summary>
public static class ListedOptionsValidation
{
    /// <summary>Validates at start-up with <paramref name="problems"/>; the failure message is the problems, one per line.</summary>
    public static OptionsBuilder<T> ValidateListed<T>(this OptionsBuilder<T> builder, Func<T, IReadOnlyList<string>> problems) where T : class
    {
        builder.Services.AddSingleton<IValidateOptions<T>>(new Validator<T>(builder.Name, problems));
        return builder.ValidateOnStart();
    }

    /// <summary>Validates at start-up with a check that throws <see cref="InvalidOperationException"/> naming the problem.</summary>
    public static OptionsBuilder<T> ValidateThrowing<T>(this OptionsBuilder<T> builder, Action<T> check) where T : class =>
        builder.ValidateListed(o =>
        {
            try
            {
                check(o);
                return [];
            }
            catch (InvalidOperationException e)
            {
                return [e.Message];
            }
        });

    private sealed class Validator<T>(string? name, Func<T, IReadOnlyList<string>> problems) : IValidateOptions<T> where T : class
    {
        public ValidateOptionsResult Validate(string? optionsName, T options)
        {
            if (name is not null && name != optionsName)
            {
                return ValidateOptionsResult.Skip;
            }
            var found = problems(options);
            return found.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(found);
        }
    }
}
