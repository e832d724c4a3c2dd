using Polly;

namespace PaymentNotifications.Client.Http;

/// <summary>
/// Reads each response body within its attempt, so a connection dropped mid-body is retried like any other
/// dropped connection and the attempt timeout covers the body too.
/// </summary>
/// <remarks>Hand-written: the package's handler returns as soon as the headers arrive.</remarks>
internal sealed class ResponseBodyStrategy : ResilienceStrategy<HttpResponseMessage>
{
    protected override async ValueTask<Outcome<HttpResponseMessage>> ExecuteCore<TState>(
        Func<ResilienceContext, TState, ValueTask<Outcome<HttpResponseMessage>>> callback,
        ResilienceContext context,
        TState state)
    {
        var outcome = await callback(context, state).ConfigureAwait(context.ContinueOnCapturedContext);
        if (outcome.Result is not { } response)
        {
            return outcome;
        }

        try
        {
            await response.Content.LoadIntoBufferAsync(context.CancellationToken).ConfigureAwait(context.ContinueOnCapturedContext);
            return outcome;
        }
        catch (Exception exception)
        {
            response.Dispose();
            return Outcome.FromException<HttpResponseMessage>(exception);
        }
    }
}
