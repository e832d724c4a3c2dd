namespace PaymentNotifications.Tests.Infrastructure;

/// <summary>Polls a condition until it holds or a deadline passes; the deadline bounds waiting, it is not what a test asserts.</summary>
public static class Eventually
{
    public static async Task HoldsAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Not reached within {timeout}: {what}");
            }
            await Task.Delay(20);
        }
    }

    public static Task HoldsAsync(Func<bool> condition, TimeSpan timeout, string what) =>
        HoldsAsync(() => Task.FromResult(condition()), timeout, what);
}
